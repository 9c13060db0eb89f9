import { describe, expect, it } from 'vitest';
import { ordinal, rankTools, type ToolFigures } from './ranking';

const tool = (name: string, f: Partial<ToolFigures>): ToolFigures => ({
  tool: name,
  started: 0,
  failed: 0,
  viewers: 0,
  downloaders: 0,
  n: 0,
  p95Ms: null,
  ...f,
});

describe('ranking', () => {
  it('says positions in English', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map(ordinal)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '23rd',
      '101st',
      '111th',
    ]);
  });

  it('shares a position between ties and leaves a tool without the figure out of its count', () => {
    const s = new Map(
      rankTools([tool('a', { p95Ms: 500, n: 3 }), tool('b', { p95Ms: 500, n: 9 }), tool('c', { p95Ms: 100, n: 1 }), tool('d', {})]).map((x) => [x.tool, x]),
    );
    expect([s.get('a')!.p95, s.get('b')!.p95, s.get('c')!.p95, s.get('d')!.p95]).toEqual([
      { position: 1, of: 3 },
      { position: 1, of: 3 },
      { position: 3, of: 3 },
      null,
    ]);
  });

  it('compares a failure rate with the median of the tools that started jobs (even count: mean of the middle two)', () => {
    const s = new Map(
      rankTools([
        tool('a', { started: 10, failed: 1 }),
        tool('b', { started: 10, failed: 3 }),
        tool('c', { started: 10, failed: 2 }),
        tool('d', { started: 10, failed: 4 }),
      ]).map((x) => [x.tool, x]),
    );
    // Median of 0.1, 0.2, 0.3, 0.4 is 0.25.
    expect(s.get('d')!.failureRate).toEqual({ position: 1, of: 4, timesMedian: 1.6 });
    expect(s.get('a')!.failureRate!.timesMedian).toBeCloseTo(0.4, 10);
    // Nobody failed: the median is 0 and "× the median" is not said.
    expect(rankTools([tool('x', { started: 5 })])[0]!.failureRate).toEqual({ position: 1, of: 1, timesMedian: null });
  });
});
