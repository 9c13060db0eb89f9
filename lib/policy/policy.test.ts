import { describe, expect, it } from 'vitest';
import { parseSites } from '../matching/siteRegistration';
import { DEFAULT_METRICS_OPTIONS, parseStoredSettings } from '../settings/settings';
import { policySnapshotItem, settingsItem, sitesItem } from '../storage/items';
import { memoryStore } from '../storage/store';
import { createPolicySource, readManaged, storeWithPolicy } from './managed';
import { effectiveSettings, effectiveSites, lockedFields, parsePolicy, withPolicy } from './policy';

/** Settings as the release before policies stored them: one project, a pasted key. */
const STORED = {
  host: 'custom',
  customHost: 'http://localhost:8010',
  projectId: '1',
  apiKey: 'phx_local',
  ...DEFAULT_METRICS_OPTIONS,
  thresholds: { failuresPerHour: 3, meanDurationSeconds: 20 },
};
const SITE = { origin: 'https://tools.example.com', marker: null, urlRules: [{ kind: 'pattern' as const, value: '/tools/:tool', map: {} }], autoMap: false };

describe('organisation policy', () => {
  it('leaves settings from the previous release as they were when there is no policy', () => {
    expect(effectiveSettings(STORED, parsePolicy(undefined).policy)).toEqual(parseStoredSettings(STORED));
    expect(effectiveSettings(STORED, parsePolicy({}).policy)).toEqual({
      status: 'configured',
      settings: expect.objectContaining({ projectId: '1', apiKey: 'phx_local' }),
    });
    expect(effectiveSites([SITE], parsePolicy(undefined).policy)).toEqual([SITE]);
    // Sites stored before a site could name its project read as they were.
    expect(parseSites([SITE])).toEqual([SITE]);
  });

  it("lays the policy's values over the stored ones, and keeps what it leaves open", () => {
    const { policy, problems } = parsePolicy({ host: 'https://ph.example.com/', projectId: 42, thresholds: { failuresPerHour: 9, meanDurationSeconds: 30 } });
    expect(problems).toEqual([]);
    const state = effectiveSettings(STORED, policy);
    expect(state).toMatchObject({
      status: 'configured',
      settings: { host: 'custom', customHost: 'https://ph.example.com', projectId: '42', apiKey: 'phx_local', thresholds: { failuresPerHour: 9 } },
    });
    expect([...lockedFields(policy)].sort()).toEqual(['customHost', 'host', 'projectId', 'thresholds']);
  });

  it('maps the cloud URLs to their hosts, and sign-in only drops a pasted key', () => {
    const { policy } = parsePolicy({ host: 'https://eu.posthog.com', projectId: '7', signInOnly: true });
    expect(withPolicy(STORED, policy)).toMatchObject({ host: 'eu', customHost: '', projectId: '7', auth: 'signIn', apiKey: '' });
    // Nothing stored: host, project and sign-in only are a connection, waiting for the sign-in.
    expect(effectiveSettings(undefined, policy)).toMatchObject({ status: 'configured', settings: { host: 'eu', auth: 'signIn' } });
    // Without sign-in only a key is still to paste: the first run, not an error.
    expect(effectiveSettings(undefined, parsePolicy({ host: 'eu', projectId: '7' }).policy)).toEqual({ status: 'missing' });
  });

  it('reports unknown and invalid values and ignores them, keeping the valid ones', () => {
    const { policy, problems } = parsePolicy({
      host: 'http://ph.example.com',
      projectId: 'abc',
      colour: 'red',
      thresholds: { failuresPerHour: -5, meanDurationSeconds: 30 },
      requestBudget: { capacity: 5, refillPerHour: 60 },
      sites: [SITE, { origin: 'not an origin', marker: null, urlRules: [], autoMap: true }],
    });
    expect(problems).toEqual([
      expect.stringMatching(/^host: Use https/),
      expect.stringMatching(/^projectId: a project id is a number/),
      'colour: not a Tool Lens policy key, ignored',
      expect.stringMatching(/^thresholds\.failuresPerHour: /),
      expect.stringMatching(/^sites\.1\.origin: /),
    ]);
    expect(policy).toEqual({ options: { requestBudget: { capacity: 5, refillPerHour: 60 } }, sites: [SITE] });
    expect(parsePolicy('nonsense').problems).toHaveLength(1);
  });

  it("lists the policy's sites first, in place of the user's own for the same origin", () => {
    const mine = { ...SITE, autoMap: true };
    const other = { ...SITE, origin: 'https://other.example.com' };
    expect(effectiveSites([mine, other], parsePolicy({ sites: [SITE] }).policy)).toEqual([SITE, other]);
  });

  it("gives the worker's services the settings and sites under the policy, and reads it again when told", async () => {
    let managed: Record<string, unknown> = { projectId: '2', sites: [SITE] };
    const source = createPolicySource({ get: async () => managed });
    const store = storeWithPolicy(memoryStore({ 'local:settings': STORED, 'local:sites': [] }), source);
    expect(await store.get(settingsItem)).toMatchObject({ status: 'configured', settings: { projectId: '2', apiKey: 'phx_local' } });
    expect(await store.get(sitesItem)).toEqual([SITE]);
    managed = { projectId: '3' };
    const { before, after } = await source.reload();
    expect([before.policy.projectId, after.policy.projectId]).toEqual(['2', '3']);
    expect(await store.get(settingsItem)).toMatchObject({ settings: { projectId: '3' } });
    expect(await store.get(sitesItem)).toEqual([]);
  });

  describe('after a restart, before the browser answers the managed read (Chromium: about 3 s)', () => {
    /** A managed area that answers only when told, and the policy storage of a worker. */
    function setUp(remembered: { raw: Record<string, unknown> | null } | undefined) {
      let answer!: (values: Record<string, unknown>) => void;
      const area = { get: () => new Promise<Record<string, unknown>>((resolve) => (answer = resolve)) };
      const saved: unknown[] = [];
      const changes: Array<[string | undefined, string | undefined]> = [];
      const source = createPolicySource(area, undefined, {
        remembered: { load: async () => remembered, save: async (raw) => void saved.push(raw) },
        changed: async ({ before, after }) => void changes.push([before.policy.projectId, after.policy.projectId]),
      });
      return { source, saved, changes, answer: (values: Record<string, unknown>) => answer(values) };
    }
    const settled = async <T>(promise: Promise<T>) =>
      Promise.race([promise.then((v) => ({ value: v })), new Promise<null>((r) => setTimeout(() => r(null), 20))]);

    it('puts the policy of the last session in force at once, then the answer, telling what changed', async () => {
      const { source, saved, changes, answer } = setUp({ raw: { projectId: '2' } });
      expect((await source.current()).policy.projectId).toBe('2');
      expect(changes).toEqual([]);
      answer({ projectId: '3', sites: [SITE] });
      await expect.poll(() => changes).toEqual([['2', '3']]);
      expect((await source.current()).policy).toMatchObject({ projectId: '3', sites: [SITE] });
      expect(saved).toEqual([{ projectId: '3', sites: [SITE] }]);
    });

    it('tells nothing when the answer is the policy of the last session, and remembers no policy as none', async () => {
      const { source, saved, changes, answer } = setUp({ raw: { projectId: '2' } });
      await source.current();
      answer({ projectId: '2' });
      await expect.poll(() => saved).toEqual([{ projectId: '2' }]);
      expect(changes).toEqual([]);

      const removed = setUp({ raw: { projectId: '2' } });
      await removed.source.current();
      removed.answer({});
      await expect.poll(() => removed.changes).toEqual([['2', undefined]]);
      expect(removed.saved).toEqual([null]);
    });

    it('keeps the policy in storage as read, and reads a damaged copy as none kept', async () => {
      const store = memoryStore({});
      await store.set(policySnapshotItem, { raw: { projectId: '2' } });
      expect(await store.get(policySnapshotItem)).toEqual({ raw: { projectId: '2' } });
      await store.set(policySnapshotItem, { raw: null });
      expect(await store.get(policySnapshotItem)).toEqual({ raw: null });
      for (const damaged of ['{"projectId":"2"}', { raw: 'projectId=2' }, { raw: ['2'] }, {}]) {
        expect(policySnapshotItem.read(damaged)).toBeUndefined();
      }
    });

    it('waits for the answer when no policy was ever read (a new install): nothing applies before the policy does', async () => {
      const { source, answer, changes } = setUp(undefined);
      const current = source.current();
      expect(await settled(current)).toBeNull();
      answer({ projectId: '4' });
      expect((await current).policy.projectId).toBe('4');
      expect(changes).toEqual([]);
    });

    it('keeps a change the browser reported meanwhile over the late answer to the first read', async () => {
      let calls = 0;
      const answers: Array<(values: Record<string, unknown>) => void> = [];
      const area = { get: () => (calls++, new Promise<Record<string, unknown>>((resolve) => answers.push(resolve))) };
      const changes: unknown[] = [];
      const source = createPolicySource(area, undefined, {
        remembered: { load: async () => ({ raw: { projectId: '2' } }), save: async () => undefined },
        changed: async (change) => void changes.push(change),
      });
      expect((await source.current()).policy.projectId).toBe('2');
      const reload = source.reload();
      await expect.poll(() => calls).toBe(2);
      answers[1]!({ projectId: '5' });
      expect((await reload).after.policy.projectId).toBe('5');
      answers[0]!({ projectId: '3' });
      await new Promise((r) => setTimeout(r, 20));
      expect((await source.current()).policy.projectId).toBe('5');
      expect(changes).toEqual([]);
    });
  });

  it("reads Firefox's throwing managed area and Chrome's empty one as no policy", async () => {
    expect(await readManaged({ get: () => Promise.reject(new Error('Managed storage manifest not found')) })).toBeUndefined();
    expect(await readManaged({ get: async () => ({}) })).toBeUndefined();
    expect(await readManaged(undefined)).toBeUndefined();
  });
});
