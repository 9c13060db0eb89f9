/**
 * Parse benchmark, in its own process: PostHog's own HogQL parser (@posthog/hogql-parser, the one
 * the local server runs and PostHog runs on every request) on every query the extension sends
 * (cli/queryCatalog.ts), side by side with seed 000's insight 6 ("Error Rate by
 * Tool", verbatim from ../shared/reference/000_*.txt) in the same process, interleaved run by run so
 * that the machine's load weighs on both alike. Uncached: the parser itself, not the server's cache.
 *
 *   npx tsx bench/parse.ts <out.json> [--runs 9]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseHogQLSelect } from '../local-posthog/hogql/index';
import { queryCatalog } from '../cli/queryCatalog';
import { median } from './common';

const out = process.argv[2];
if (!out) throw new Error('usage: tsx bench/parse.ts <out.json> [--runs N]');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 9;

const reference = resolve(import.meta.dirname, '../../shared/reference');
const guide = readFileSync(
  join(
    reference,
    readdirSync(reference).find((f) => f.startsWith('000_'))!,
  ),
  'utf8',
);
const INSIGHT_6 = guide.slice(guide.indexOf('### Insight 6')).split('```sql')[1]!.split('```')[0]!.trim();

async function timed(query: string): Promise<number> {
  const t0 = performance.now();
  await parseHogQLSelect(query, { cache: false });
  return performance.now() - t0;
}

// The parser's WASM loads and warms up first.
for (let i = 0; i < 3; i++) await timed(INSIGHT_6);

const seen = new Set<string>();
const results: Array<{ name: string; chars: number; ms: number; insightMs: number; ratio: number }> = [];
for (const entry of queryCatalog()) {
  if (seen.has(entry.query)) continue;
  seen.add(entry.query);
  const mine: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    theirs.push(await timed(INSIGHT_6));
    mine.push(await timed(entry.query));
  }
  const [ms, insightMs] = [median(mine), median(theirs)];
  results.push({ name: entry.name, chars: entry.query.length, ms, insightMs, ratio: ms / insightMs });
}
results.sort((a, b) => b.ratio - a.ratio);
writeFileSync(out, JSON.stringify({ runs: RUNS, insight6Chars: INSIGHT_6.length, results }, null, 2));
