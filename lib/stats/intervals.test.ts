/** The card's statistics against published worked examples. */
import { describe, expect, it } from 'vitest';
import { binomialCdf, clopperPearson, compareCounts, compareQuantileIntervals, compareRates, normalCdf, p95IntervalRanks, wilsonInterval } from './intervals';

const close = (actual: number[] | null, expected: number[], digits = 4) => {
  expect(actual).not.toBeNull();
  actual!.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, digits));
};

describe("Wilson's score interval", () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Stat. Med. 17:857, Table I, method 3.
  it.each([
    [81, 263, [0.2553, 0.3662]],
    [15, 148, [0.0624, 0.1605]],
    [0, 20, [0, 0.1611]],
    [1, 29, [0.0061, 0.1718]],
  ])('%i of %i → %j', (x, n, expected) => close(wilsonInterval(x, n), expected));

  it('has none without trials', () => expect(wilsonInterval(0, 0)).toBeNull());
});

describe("Newcombe's interval for a difference of proportions", () => {
  // Newcombe (1998), "Interval estimation for the difference between independent proportions", Stat. Med. 17:873, Table II, method 10.
  it.each([
    [56, 70, 48, 80, [0.0524, 0.3339], true],
    [9, 10, 3, 10, [0.1705, 0.809], true],
    [6, 7, 2, 7, [0.0582, 0.8062], true],
    [5, 56, 0, 29, [-0.0381, 0.1926], false],
  ])('%i/%i − %i/%i → %j', (x1, n1, x2, n2, expected, significant) => {
    const r = compareRates(x1, n1, x2, n2)!;
    close(r.interval, expected);
    expect(r.significant).toBe(significant);
    expect(r.difference).toBeCloseTo(x1 / n1 - x2 / n2, 10);
  });

  it('says nothing when a period had no trials', () => expect(compareRates(3, 10, 0, 0)).toBeNull());
});

describe('two Poisson counts of equal exposure', () => {
  it('10 vs 2: the exact conditional test, p = 2·P(X ≥ 10 | X ~ Bin(12, ½)) = 158/4096', () => {
    const r = compareCounts(10, 2);
    expect(r.pValue).toBeCloseTo(158 / 4096, 10);
    expect(r.significant).toBe(true);
    expect(r.ratio).toBe(5);
    // The ratio's interval is the Clopper–Pearson interval of 10/12 as p/(1−p).
    const [lo, hi] = clopperPearson(10, 12)!;
    close(r.interval, [lo / (1 - lo), hi / (1 - hi)], 8);
  });

  it('7 vs 4 is chance: p = 2·P(X ≥ 7 | Bin(11, ½)) = 2·562/2048 (capped at 1)', () => {
    const r = compareCounts(7, 4);
    expect(r.pValue).toBeCloseTo((2 * (330 + 165 + 55 + 11 + 1)) / 2048, 10);
    expect(r.significant).toBe(false);
  });

  it('0 vs 0 is no change, and a new error type against none is infinite but maybe chance', () => {
    expect(compareCounts(0, 0)).toMatchObject({ ratio: null, significant: false, pValue: 1 });
    const fresh = compareCounts(3, 0);
    expect(fresh.ratio).toBe(Infinity);
    // p = 2·(½)³ = 0.25.
    expect(fresh.pValue).toBeCloseTo(0.25, 10);
    expect(fresh.significant).toBe(false);
  });

  it('large counts through the normal approximation agree with the exact test near the switch', () => {
    const big = compareCounts(1100, 1000);
    // z = (1100 − 1050) / √525 = 2.182 → p ≈ 0.0291.
    expect(big.pValue).toBeCloseTo(2 * (1 - normalCdf(50 / Math.sqrt(525))), 6);
    expect(big.pValue).toBeCloseTo(0.0291, 3);
    expect(big.significant).toBe(true);
  });
});

describe('Clopper–Pearson and the binomial', () => {
  // Clopper & Pearson (1934) / standard tables: 0 of 10 → [0, 0.3085]; 5 of 10 → [0.1871, 0.8129].
  it.each([
    [0, 10, [0, 0.3085]],
    [5, 10, [0.1871, 0.8129]],
    [10, 10, [0.6915, 1]],
  ])('%i of %i → %j', (x, n, expected) => close(clopperPearson(x, n), expected));

  it('agrees with the binomial summed term by term, for large counts too', () => {
    const bySum = (k: number, n: number, p: number) => {
      // Terms in log space: (1 − p)^n alone underflows for n in the thousands.
      let log = n * Math.log(1 - p);
      let sum = 0;
      for (let i = 0; i <= k; i++) {
        sum += Math.exp(log);
        log += Math.log((n - i) / (i + 1)) + Math.log(p / (1 - p));
      }
      return sum;
    };
    for (const [k, n, p] of [
      [3, 10, 0.5],
      [940, 2000, 0.5],
      [1000, 2000, 0.5],
      [12, 400, 0.02],
      [150, 160, 0.9],
    ] as const)
      expect(binomialCdf(k, n, p)).toBeCloseTo(bySum(k, n, p), 9);
  });

  it('sums the binomial', () => {
    expect(binomialCdf(2, 4, 0.5)).toBeCloseTo(11 / 16, 12);
    expect(binomialCdf(-1, 4, 0.5)).toBe(0);
    expect(binomialCdf(4, 4, 0.3)).toBe(1);
  });
});

describe('the distribution-free interval of p95', () => {
  it('takes the ranks Conover’s large-sample rule gives', () => {
    // n = 1000: nq = 950, z√(nq(1−q)) = 1.96·√47.5 = 13.508 → r = ⌊936.49⌋ = 936, s = ⌈963.51⌉ + 1 = 965.
    expect(p95IntervalRanks(1000)).toEqual({ low: 936, high: 965 });
    // n = 100: the upper rank 101 is past the sample: unbounded above.
    expect(p95IntervalRanks(100)).toEqual({ low: 90, high: null });
    // The upper side needs n ≥ 59 … give or take the large-sample rule's rounding.
    expect(p95IntervalRanks(40).high).toBeNull();
    expect(p95IntervalRanks(0)).toEqual({ low: null, high: null });
  });

  it('calls two periods apart only when their intervals do not meet', () => {
    expect(compareQuantileIntervals([5000, 6000], [3000, 4500]).significant).toBe(true);
    expect(compareQuantileIntervals([3000, 4500], [5000, 6000]).significant).toBe(true);
    expect(compareQuantileIntervals([4000, 6000], [3000, 4500]).significant).toBe(false);
    // Unbounded above now, but its low end is above the previous high end: still apart.
    expect(compareQuantileIntervals([5000, null], [3000, 4500]).significant).toBe(true);
    expect(compareQuantileIntervals([null, null], [3000, 4500]).significant).toBe(false);
  });
});

describe('Clopper–Pearson bounds solve their defining equations', () => {
  it('P(X ≥ x | low) = P(X ≤ x | high) = α/2, to 1e-9, over small and large counts', () => {
    for (const n of [1, 2, 5, 13, 40, 100, 577, 1999])
      for (const x of [0, 1, Math.floor(n / 3), Math.floor(n / 2), n - 1, n]) {
        if (x < 0 || x > n) continue;
        const [low, high] = clopperPearson(x, n)!;
        expect(low).toBeLessThanOrEqual(high);
        if (x > 0) expect(Math.abs(1 - binomialCdf(x - 1, n, low) - 0.025)).toBeLessThan(1e-9);
        else expect(low).toBe(0);
        if (x < n) expect(Math.abs(binomialCdf(x, n, high) - 0.025)).toBeLessThan(1e-9);
        else expect(high).toBe(1);
      }
  });
});
