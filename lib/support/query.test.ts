import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEMA } from '../model/events';
import { buildPersonJobsQuery, buildPersonLookupQuery, type PersonLookupInput } from './query';

const input = (over: Partial<PersonLookupInput> = {}): PersonLookupInput => ({
  range: '7d',
  match: 'any_id',
  value: 'sess-1',
  schema: DEFAULT_SCHEMA,
  emailProperty: 'email',
  personProperties: ['email', 'plan'],
  ...over,
});

describe("support's lookup query", () => {
  it('carries what is looked up, the names and the range as placeholders only', () => {
    const hostile = `x' OR 1=1 -- {who} "$set"`;
    for (const match of ['email', 'distinct_id', 'session_id', 'job_id', 'any_id'] as const) {
      const { query, values } = buildPersonLookupQuery(input({ match, value: hostile }));
      expect(query).not.toContain('OR 1=1');
      expect(query).not.toContain('tool_processing');
      expect(query).not.toMatch(/\$session_id|\$exception|'email'|'plan'/);
      // As sent, or in the JSON-escaped form PostHog reads string properties in (storedForm).
      expect(Object.values(values).some((v) => typeof v === 'string' && /or 1=1/i.test(v))).toBe(true);
      expect(values.range_seconds).toBe(7 * 86_400);
    }
  });

  it('matches an email without regard to case, as the person property and as a distinct id', () => {
    const { query, values } = buildPersonLookupQuery(input({ match: 'email', value: 'Ada@Example.COM', emailProperty: 'contact_email' }));
    expect(query).toContain('lower(toString(person.properties[{email_property}])) = {who_email}');
    expect(query).toContain('lower(distinct_id) = {who_lower}');
    expect(values).toMatchObject({ email_property: 'contact_email', who_email: 'ada@example.com', who_lower: 'ada@example.com' });
  });

  it("looks an id up as a distinct id, the tool's or PostHog's session and a job id at once; one kind alone when told", () => {
    const any = buildPersonLookupQuery(input()).query;
    expect(any).toContain('distinct_id = {who}');
    expect(any).toContain('toString(properties[{ph_session_id}]) = {who_text}');
    expect(any).toContain('toString(properties[{p_job_id_0}])');
    const job = buildPersonLookupQuery(input({ match: 'job_id' })).query;
    expect(job).not.toContain('distinct_id = {who}');
    expect(job).not.toContain('{ph_session_id}]) = {who_text}');
  });

  it('reads the chosen person properties by placeholder, at most eight', () => {
    const { query, values } = buildPersonLookupQuery(input({ personProperties: ['email', 'name', 'plan', 'a', 'b', 'c', 'd', 'e', 'f', 'g'] }));
    expect(values.person_property_7).toBe('e');
    expect(values.person_property_8).toBeUndefined();
    expect(query).toContain('argMax(toString(person.properties[{person_property_0}]), timestamp)');
  });

  it('has the same text for every range: the range is a value', () => {
    const texts = new Set((['1h', '24h', '7d', '30d'] as const).map((range) => buildPersonLookupQuery(input({ range })).query));
    expect(texts.size).toBe(1);
  });

  it("lists a person's jobs for PostHog by the person's id, a placeholder too", () => {
    const { query, values } = buildPersonJobsQuery({ range: '30d', schema: DEFAULT_SCHEMA, personId: "0190-'x" });
    expect(query).toContain('toString(person_id) = {person_id}');
    expect(query).not.toContain("0190-'x");
    expect(values).toMatchObject({ person_id: "0190-'x", range_seconds: 30 * 86_400 });
  });
});
