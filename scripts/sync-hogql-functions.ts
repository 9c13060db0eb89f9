/**
 * Copies PostHog's HogQL function table (../shared/reference/hogql-functions.json, read from PostHog's
 * source) into local-posthog/hogql/functions.json, keeping what the local server needs to accept exactly
 * those functions, with PostHog's arities, parameters, case rules and printing.
 *
 *   npx tsx scripts/sync-hogql-functions.ts [path/to/hogql-functions.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { projectFunctionTable } from '../local-posthog/hogql/functions';

const from = process.argv[2] ?? fileURLToPath(new URL('../../shared/reference/hogql-functions.json', import.meta.url));
const to = fileURLToPath(new URL('../local-posthog/hogql/functions.json', import.meta.url));
const table = projectFunctionTable(JSON.parse(readFileSync(from, 'utf8')));
writeFileSync(to, JSON.stringify(table, null, 0).replace(/\},\{/g, '},\n{') + '\n');
console.log(`${table.functions.length} functions written to ${to}`);
