/**
 * npx tsx local-posthog/cli.ts --port 8010 --seed 42 --days 14 --events 60000 [--data-dir DIR] [--host 127.0.0.1]
 *   [--timezone Asia/Kolkata] [--queries-per-hour 120] [--api-timeout 10] [--concurrent-queries 3] [--materialize tool_name,$tool_name]
 *   [--api-key phx_…] [--allow-origin https://dev.example:3000]
 * The personal API key (every scope) is new at each start unless --api-key gives one; it is printed below.
 */
import { parseArgs } from 'node:util';
import { startLocalPostHog } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8010' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string' },
    days: { type: 'string', default: '14' },
    events: { type: 'string', default: '60000' },
    'data-dir': { type: 'string' },
    'api-key': { type: 'string' },
    'project-api-key': { type: 'string' },
    timezone: { type: 'string', default: 'UTC' },
    'queries-per-hour': { type: 'string', default: '120' },
    'api-timeout': { type: 'string', default: '10' },
    'concurrent-queries': { type: 'string', default: '3' },
    materialize: { type: 'string', default: '' },
    'allow-origin': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(
    'Usage: npx tsx local-posthog/cli.ts [--port 8010] [--host 127.0.0.1] [--seed 42 --days 14 --events 60000] [--data-dir DIR]\n' +
      '         [--api-key phx_... (default: a new random key each start)] [--project-api-key phc_...] [--timezone UTC] [--queries-per-hour 120 (0: no limit)]\n' +
      '         [--api-timeout 10 (seconds a blocking API query may run; 0: none, 60 s as for a legacy team)] [--concurrent-queries 3 (0: no limit)]\n' +
      '         [--materialize tool_name,$tool_name (event properties with a mat_ column, as PostHog materializes hot ones)]\n' +
      "         [--allow-origin ORIGIN (a web origin besides this machine's pages that may call it; repeatable)]",
  );
  process.exit(0);
}

function num(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isFinite(n)) {
    console.error(`--${name} must be a number`);
    process.exit(2);
  }
  return n;
}

const started = Date.now();
const ph = await startLocalPostHog({
  port: num('port', values.port),
  host: values.host,
  dataDir: values['data-dir'],
  apiKey: values['api-key'],
  projectApiKey: values['project-api-key'],
  timezone: values.timezone,
  limits: {
    queriesPerHour: num('queries-per-hour', values['queries-per-hour']) || null,
    apiMaxExecutionSeconds: num('api-timeout', values['api-timeout']) || null,
    apiConcurrentQueries: num('concurrent-queries', values['concurrent-queries']) || null,
  },
  materialized: values.materialize
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean),
  corsOrigins: values['allow-origin'],
  seed: values.seed !== undefined ? { seed: num('seed', values.seed), days: num('days', values.days), events: num('events', values.events) } : false,
});
const [{ n } = { n: 0 }] = (await ph.query('SELECT count() AS n FROM events')) as { n: number }[];

console.log(`Local PostHog listening on ${ph.url}  (started in ${Date.now() - started} ms, ${n} events)`);
console.log(`  URL:              ${ph.url}`);
console.log(`  Personal API key: ${ph.apiKey}`);
console.log(`  Project API key:  ${ph.projectApiKey}`);
console.log(`  Project id:       ${ph.projectId} (time zone ${ph.projects[0]!.timezone})`);
console.log(`  HogQL queries:    ${ph.limits().queriesPerHour ?? 'no limit'} an hour per key (PostHog: 120)`);
console.log(
  `  API time limit:   ${ph.limits().apiMaxExecutionSeconds ?? 'none'} s for a blocking query, then 504 (async queries: ${ph.limits().asyncMaxExecutionSeconds} s)`,
);
console.log(`  Concurrency:      ${ph.limits().apiConcurrentQueries ?? 'no limit'} queries running at once per project`);
console.log('Press Ctrl+C to stop.');

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal} received, closing…`);
  ph.close().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
