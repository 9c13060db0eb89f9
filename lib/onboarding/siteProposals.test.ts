import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEMA } from '../model/events';
import { buildSiteProposalQuery, toSiteProposals } from './siteProposals';

describe('site proposals', () => {
  it("asks for the origins of the project's own tool_viewed pages, values as placeholders", () => {
    const q = buildSiteProposalQuery(DEFAULT_SCHEMA);
    expect(q.query).toContain('extract(toString(properties[{p_current_url}]), {origin_re})');
    expect(q.values).toMatchObject({ p_current_url: '$current_url', ev_viewed: 'tool_viewed', days: 30 });
    expect(q.query).not.toContain('tool_viewed');
  });

  it('keeps http(s) origins only, once each, with an example page of the same site', () => {
    const proposals = toSiteProposals({
      results: [
        ['https://tools.example.com', 120, 6, 'https://tools.example.com/tools/pdf-to-text'],
        ['http://127.0.0.1:8020', 4, 2, 'http://127.0.0.1:8020/tools/a'],
        ['chrome-extension://abc', 3, 1, null],
        ['https://tools.example.com', 1, 1, null],
        ['https://other.example', 2, 1, 'https://elsewhere.example/x'],
      ],
    });
    expect(proposals).toEqual([
      { origin: 'https://tools.example.com', views: 120, tools: 6, example: 'https://tools.example.com/tools/pdf-to-text' },
      { origin: 'http://127.0.0.1:8020', views: 4, tools: 2, example: 'http://127.0.0.1:8020/tools/a' },
      { origin: 'https://other.example', views: 2, tools: 1, example: null },
    ]);
    expect(() => toSiteProposals({ results: [['x', 'many']] })).toThrow();
  });
});
