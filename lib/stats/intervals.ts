/**
 * Is a change more than chance? Small, dependency-free statistics for the card's deltas, each the
 * textbook method for its kind of figure, at 95 %:
 *  - a rate (conversion, failure rate): Wilson's score interval for each period and Newcombe's
 *    hybrid score interval for their difference (Newcombe 1998, method 10), good for small n and
 *    rates near 0 or 1 where the normal approximation fails;
 *  - a count per equal period (failures of one error type): the exact conditional test for two
 *    Poisson counts — given k = x₁ + x₂, x₁ is Binomial(k, ½) when the rates are equal — with the
 *    Clopper–Pearson interval of that proportion turned into a rate ratio;
 *  - a percentile (p95): the distribution-free interval between two order statistics (Conover,
 *    Practical Nonparametric Statistics, §3.2, large-sample ranks); two periods differ when their
 *    intervals do not overlap (conservative: a non-overlap is significant at well under 5 %).
 */

/** The two-sided 95 % normal quantile. */
export const Z95 = 1.959963984540054;

export type Interval = [low: number, high: number];

/** Wilson's score interval for x successes in n trials (null for n = 0). */
export function wilsonInterval(x: number, n: number, z = Z95): Interval | null {
  if (!(n > 0) || x < 0 || x > n) return null;
  const p = x / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const denominator = 1 + z2 / n;
  return [Math.max(0, (centre - spread) / denominator), Math.min(1, (centre + spread) / denominator)];
}

export interface RateComparison {
  /** p₁ − p₂ (current minus previous). */
  difference: number;
  interval: Interval;
  /** The interval leaves out 0. */
  significant: boolean;
}

/** Newcombe's hybrid score interval for p₁ − p₂ = x₁/n₁ − x₂/n₂ (null when either n is 0). */
export function compareRates(x1: number, n1: number, x2: number, n2: number, z = Z95): RateComparison | null {
  const w1 = wilsonInterval(x1, n1, z);
  const w2 = wilsonInterval(x2, n2, z);
  if (!w1 || !w2) return null;
  const [p1, p2] = [x1 / n1, x2 / n2];
  const [l1, u1] = w1;
  const [l2, u2] = w2;
  const difference = p1 - p2;
  const low = difference - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2);
  const high = difference + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2);
  return { difference, interval: [low, high], significant: low > 0 || high < 0 };
}

/** ln Γ(x) (Lanczos, g = 7): for binomial coefficients of large counts. */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * I_x(a, b), the regularized incomplete beta function, by its continued fraction (Lentz's method, as
 * in Numerical Recipes §6.4): a handful of terms whatever the counts, where summing the binomial's
 * terms costs one per count — the card computes these on the page's main thread.
 */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let f = d;
  for (let m = 1; m <= 300; m++) {
    for (let half = 0; half < 2; half++) {
      const numerator = half === 0 ? (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)) : (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
      d = 1 + numerator * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + numerator / c;
      if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return Math.min(1, Math.max(0, (front * f) / a));
}

/** P(X ≤ k) for X ~ Binomial(n, p) = I_{1−p}(n − k, k + 1). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  return incompleteBeta(1 - p, n - k, k + 1);
}

/**
 * The p at which f(p) (decreasing in p) crosses target on [0, 1]: regula falsi with the Illinois
 * step (the bracket always holds the root, as bisection's does), then bisection's last halving.
 * It needs ~10 evaluations of f where bisection needed 60; each is an incomplete beta, and the card
 * computes these for every error type in its first render on the page's main thread.
 */
function solveDecreasing(f: (p: number) => number, target: number): number {
  let [low, high] = [0, 1];
  let [gLow, gHigh] = [f(low) - target, f(high) - target];
  if (!(gLow > 0)) return low;
  if (!(gHigh <= 0)) return high;
  let side = 0;
  for (let i = 0; i < 200 && high - low > 1e-15; i++) {
    // The secant's crossing, kept strictly inside the bracket.
    let mid = high - (gHigh * (high - low)) / (gHigh - gLow);
    if (!(mid > low && mid < high)) mid = (low + high) / 2;
    const g = f(mid) - target;
    if (g > 0) {
      [low, gLow] = [mid, g];
      if (side === -1) gHigh /= 2;
      side = -1;
    } else {
      [high, gHigh] = [mid, g];
      if (side === 1) gLow /= 2;
      side = 1;
    }
    if (g === 0) return mid;
  }
  return (low + high) / 2;
}

/** Clopper–Pearson ("exact") interval for x successes in n trials. */
export function clopperPearson(x: number, n: number, alpha = 0.05): Interval | null {
  if (!(n > 0) || x < 0 || x > n) return null;
  // Lower: P(X ≥ x | p) = α/2; upper: P(X ≤ x | p) = α/2.
  const low = x === 0 ? 0 : solveDecreasing((p) => binomialCdf(x - 1, n, p), 1 - alpha / 2);
  const high = x === n ? 1 : solveDecreasing((p) => binomialCdf(x, n, p), alpha / 2);
  return [low, high];
}

export interface CountComparison {
  /** x₁ / x₂ (Infinity when x₂ = 0 < x₁; null when both are 0). */
  ratio: number | null;
  /** The rate ratio's 95 % interval (high may be Infinity). */
  interval: Interval | null;
  /** Two-sided exact p-value. */
  pValue: number;
  significant: boolean;
}

/** Above this total the binomial is read from its normal approximation (the exact sums grow with k). */
const EXACT_UP_TO = 2000;

/** Two counts of equal exposure (the range and the equal period before it): is one rate higher? */
export function compareCounts(x1: number, x2: number): CountComparison {
  const k = x1 + x2;
  if (k === 0) return { ratio: null, interval: null, pValue: 1, significant: false };
  let pValue: number;
  let interval: Interval | null;
  if (k <= EXACT_UP_TO) {
    // Two-sided: twice the smaller tail, capped at 1 (the tails of Binomial(k, ½) are symmetric).
    const tail = Math.min(binomialCdf(x1, k, 0.5), 1 - binomialCdf(x1 - 1, k, 0.5));
    pValue = Math.min(1, 2 * tail);
    const cp = clopperPearson(x1, k)!;
    interval = [cp[0] / (1 - cp[0]), cp[1] >= 1 ? Infinity : cp[1] / (1 - cp[1])];
  } else {
    const z = (x1 - k / 2) / Math.sqrt(k / 4);
    pValue = Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
    const w = wilsonInterval(x1, k)!;
    interval = [w[0] / (1 - w[0]), w[1] >= 1 ? Infinity : w[1] / (1 - w[1])];
  }
  return { ratio: x2 === 0 ? Infinity : x1 / x2, interval, pValue, significant: pValue < 0.05 };
}

/** Φ(z), the standard normal CDF (Abramowitz & Stegun 7.1.26 through erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * The 1-based ranks of the order statistics that bound the 95th percentile of n values with 95 %
 * confidence (Conover §3.2, large-sample: r = ⌊nq − z√(nq(1−q))⌋, s = ⌈nq + z√(nq(1−q))⌉ + 1), null on
 * a side the sample is too small to bound (the upper side needs n ≥ 59). The card's query computes
 * the same ranks in ClickHouse from P95_RANKS_SQL: the same IEEE operations in the same order, so
 * both agree on every n.
 */
export function p95IntervalRanks(n: number): { low: number | null; high: number | null } {
  if (!(n > 0)) return { low: null, high: null };
  const spread = Z95 * Math.sqrt(0.0475 * n);
  const r = Math.floor(0.95 * n - spread);
  const s = Math.ceil(0.95 * n + spread) + 1;
  return { low: r >= 1 ? r : null, high: s <= n ? s : null };
}

/**
 * p95IntervalRanks in HogQL, for a count `n` (aliases: p95_spread, p95_low_rank, p95_high_ceil, p95_high_rank). The low rank
 * by intDiv(·, 1), one call for toInt(floor(·)): it rounds toward zero, which differs only below 1, where
 * the rank is unbounded anyway. The high rank's ceil and toInt are two definitions, not a call in a call,
 * which PostHog's parser pays more for.
 */
export const P95_RANKS_SQL = (n: string) => [
  `${Z95} * sqrt(0.0475 * ${n}) AS p95_spread`,
  `intDiv(0.95 * ${n} - p95_spread, 1) AS p95_low_rank`,
  `ceil(0.95 * ${n} + p95_spread) AS p95_high_ceil`,
  `toInt(p95_high_ceil) + 1 AS p95_high_rank`,
];

export interface QuantileComparison {
  current: Interval | null;
  previous: Interval | null;
  /** Both intervals bounded on the sides that face each other, and apart. */
  significant: boolean;
}

/** Two periods' p95 intervals ([low, high], a side null when unbounded): apart or not. */
export function compareQuantileIntervals(current: [number | null, number | null], previous: [number | null, number | null]): QuantileComparison {
  const bounded = (i: [number | null, number | null]): Interval | null => (i[0] === null || i[1] === null ? null : [i[0], i[1]]);
  const [cl, ch] = current;
  const [pl, ph] = previous;
  const higher = cl !== null && ph !== null && cl > ph;
  const lower = ch !== null && pl !== null && ch < pl;
  return { current: bounded(current), previous: bounded(previous), significant: higher || lower };
}
