/**
 * The seed generated inside ClickHouse, for projects the size real ones are (10 M–100 M events):
 * one `INSERT … SELECT … FROM numbers(sessions)`, each session drawn as seed.ts draws it — the same
 * tools and weights, probabilities, log-normal durations and sizes, error and format mixes, LLM
 * generations, `$`-spelled csv-cleaner, sessions still in progress cut at `now` — from hashes of
 * (seed, session, draw) instead of a JS random stream, so the same options give the same events.
 * Person properties are each session's own `$set` (seed.ts merges a returning user's); the event
 * count comes within a fraction of a percent of the one asked (it is returned).
 */
import { SEED_TOOLS, generateSeedEvents, type SeedOptions } from './seed.js';
import type { EventStore } from './store.js';

const DAY_MS = 86_400_000;
/** A uniform draw in [0, 1) for draw number k of the session. */
const u = (seed: number, k: number) => `(cityHash64(${seed}, number, ${k}) / 18446744073709551616.0)`;
/** A standard normal (Box–Muller, as seed.ts's Rng.normal). */
const normal = (seed: number, k: number) => `(sqrt(-2 * log(greatest(${u(seed, k)}, 1e-12))) * cos(2 * pi() * ${u(seed, k + 1)}))`;
const logNormal = (median: string, sigma: string, seed: number, k: number) => `((${median}) * exp((${sigma}) * ${normal(seed, k)}))`;
/** A weighted pick among string items (per tool when the items are an array of arrays indexed by `ti`). */
const weighted = (items: string, cumulative: string, seed: number, k: number) =>
  `${items}[arrayFirstIndex(c -> ${u(seed, k)} * ${cumulative}[-1] < c, ${cumulative})]`;
const sqlString = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const arr = (xs: Array<string | number>) => `[${xs.map((x) => (typeof x === 'number' ? String(x) : sqlString(x))).join(', ')}]`;
const cum = (ws: number[]) => ws.map((_, i) => ws.slice(0, i + 1).reduce((a, b) => a + b, 0));
const perTool = <T>(pick: (t: (typeof SEED_TOOLS)[number]) => T) => SEED_TOOLS.map(pick);
/** 16 lower-case hex digits of a hash. */
const hex16 = (seed: number, k: number) => `lower(leftPad(hex(cityHash64(${seed}, number, ${k})), 16, '0'))`;
const uuidText = (seed: number, k: number) =>
  `toString(reinterpretAsUUID(concat(reinterpretAsString(cityHash64(${seed}, number, ${k})), reinterpretAsString(cityHash64(${seed}, number, ${k + 1})))))`;
const json = (s: string) => `'"', replaceAll(replaceAll(${s}, '\\\\', '\\\\\\\\'), '"', '\\\\"'), '"'`;

/** Events per session on average, measured on the JS generator (a few thousand sessions): how many sessions to draw. */
function eventsPerSession(opts: SeedOptions): number {
  let events = 0;
  const sessions = new Set<string>();
  for (const e of generateSeedEvents({ ...opts, events: 20_000 })) {
    events++;
    sessions.add(String(e.properties.session_id));
  }
  return events / Math.max(1, sessions.size);
}

/** How many sessions to draw for about `events` events. */
export function sessionsFor(opts: SeedOptions): number {
  return Math.ceil(opts.events / eventsPerSession(opts));
}

/** The INSERT … SELECT that draws `sessions` sessions. */
export function bulkSeedSql(opts: SeedOptions & { sessions: number; teamId: number }): string {
  const seed = Math.floor(opts.seed) >>> 0;
  const nowMs = (opts.now ?? new Date()).getTime();
  const spanMs = Math.max(1, opts.days) * DAY_MS;
  const userPool = Math.max(20, Math.round(opts.events / 40));
  const P = (name: string, values: Array<number | string>) => `${arr(values)} AS ${name}`;
  const PP = (name: string, values: Array<Array<number | string>>) => `[${values.map(arr).join(', ')}] AS ${name}`;
  const L = (i: number) => 100 * i; // each job's own draws
  const job = (j: number) => {
    const k = L(j);
    const prev = j === 1 ? 't0' : `end_${j - 1}`;
    const reached = j === 1 ? '1' : `(reached_${j - 1} AND next_${j - 1})`;
    const durKey = `if(dollar, '$processing_duration_ms', 'processing_duration_ms')`;
    return [
      `${reached} AS reached_${j}`,
      `${prev} + round(${logNormal(j === 1 ? '20000' : '40000', '0.6', seed, k)}) AS t_up_${j}`,
      `${u(seed, k + 2)} < ${j === 1 ? 'p_upload[ti]' : '0.5'} AS up_${j}`,
      `${weighted('file_types[ti]', 'file_type_w[ti]', seed, k + 3)} AS ftype_${j}`,
      `round(${logNormal('file_size_median[ti]', '0.8', seed, k + 4)}) AS fsize_${j}`,
      `t_up_${j} + round(${logNormal('1500', '0.5', seed, k + 6)}) AS t_st_${j}`,
      `${u(seed, k + 8)} < p_start[ti] AS st_${j}`,
      `concat('job_', substring(${hex16(seed, k + 9)}, 1, 12)) AS job_${j}`,
      `${u(seed, k + 10)} < p_cache[ti] AS cache_${j}`,
      `NOT cache_${j} AND ${u(seed, k + 11)} < fail_rate[ti] AS fail_${j}`,
      `${weighted('errors[ti]', 'error_w[ti]', seed, k + 12)} AS err_${j}`,
      `round(if(err_${j} = 'timeout', greatest(median_ms[ti] * 2.5, 30000) * (1 + ${u(seed, k + 13)} * 0.2), ${logNormal('median_ms[ti] * 0.4', '0.7', seed, k + 14)})) AS dur_fail_${j}`,
      `${u(seed, k + 16)} < 0.35 AS retry_${j}`,
      `greatest(1, round(if(cache_${j}, ${logNormal('120', '0.5', seed, k + 17)}, ${logNormal('median_ms[ti]', 'sigma[ti]', seed, k + 19)}))) AS dur_ok_${j}`,
      `t_st_${j} + if(fail_${j}, dur_fail_${j}, dur_ok_${j}) AS t_end_${j}`,
      `t_end_${j} + round(${logNormal('6000', '0.8', seed, k + 21)}) AS t_dl_${j}`,
      `${u(seed, k + 23)} < p_download[ti] AS dl_${j}`,
      `${weighted('formats[ti]', 'format_w[ti]', seed, k + 24)} AS fmt_${j}`,
      `${u(seed, k + 25)} < 0.18 AS more_${j}`,
      `up_${j} AND st_${j} AND if(fail_${j}, retry_${j}, more_${j}) AS next_${j}`,
      `if(fail_${j}, t_end_${j}, t_dl_${j}) AS end_${j}`,
      // The LLM call of a job that ran (not from cache): seed 003's generation event.
      `round(${logNormal('llm_latency[ti]', '0.5', seed, k + 27)} * 1000) / 1000 AS ai_latency_${j}`,
      `round(${logNormal('llm_input[ti]', '0.5', seed, k + 29)}) AS ai_in_${j}`,
      `round(${logNormal('llm_output[ti]', '0.4', seed, k + 31)}) AS ai_out_${j}`,
      `${u(seed, k + 33)} < 0.03 AS ai_err_${j}`,
      `arrayConcat(
        if(${reached} AND up_${j}, [(t_up_${j}, 'tool_upload_started', concat('"file_type":', ${json(`ftype_${j}`)}, ',"file_size":', toString(fsize_${j})))], []),
        if(${reached} AND up_${j} AND st_${j}, [(t_st_${j}, 'tool_processing_started', concat('"job_id":"', job_${j}, '","from_cache":', if(cache_${j}, 'true', 'false')))], []),
        if(${reached} AND up_${j} AND st_${j} AND fail_${j}, [(t_end_${j}, 'tool_processing_failed', concat('"job_id":"', job_${j}, '","error_type":', ${json(`err_${j}`)}, ',"', ${durKey}, '":', toString(dur_fail_${j})))], []),
        if(${reached} AND up_${j} AND st_${j} AND NOT fail_${j} AND NOT cache_${j} AND llm_model[ti] != '', [(t_st_${j}, '$ai_generation', concat('"$ai_model":', ${json('llm_model[ti]')}, ',"$ai_provider":"openai","$ai_trace_id":"', job_${j}, '","$ai_latency":', toString(ai_latency_${j}), ',"$ai_input_tokens":', toString(ai_in_${j}), ',"$ai_output_tokens":', toString(ai_out_${j}), ',"$ai_total_cost_usd":', toString(round((ai_in_${j} + ai_out_${j}) / 1000 * llm_usd[ti] * 1e6) / 1e6), ',"$ai_is_error":', if(ai_err_${j}, 'true', 'false'), ',"$ai_http_status":200'))], []),
        if(${reached} AND up_${j} AND st_${j} AND NOT fail_${j}, [(t_end_${j}, 'tool_processing_completed', concat('"job_id":"', job_${j}, '","', ${durKey}, '":', toString(dur_ok_${j}), ',"from_cache":', if(cache_${j}, 'true', 'false')))], []),
        if(${reached} AND up_${j} AND st_${j} AND NOT fail_${j} AND dl_${j}, [(t_dl_${j}, 'tool_result_downloaded', concat('"job_id":"', job_${j}, '","download_format":', ${json(`fmt_${j}`)}))], [])
      ) AS events_${j}`,
    ].join(',\n      ');
  };
  const tools = SEED_TOOLS;
  return `INSERT INTO events (uuid, event, properties, timestamp, team_id, distinct_id, elements_chain, created_at, person_id, person_properties)
SELECT
  reinterpretAsUUID(concat(reinterpretAsString(cityHash64(${seed}, number, 900 + i)), reinterpretAsString(cityHash64(${seed}, number, 950 + i)))) AS uuid,
  e.2 AS event,
  concat('{', base, ',', e.3, ',"session_id":"', session_id, '"}') AS properties,
  fromUnixTimestamp64Milli(toInt64(e.1), 'UTC') AS timestamp,
  ${opts.teamId} AS team_id,
  distinct_id,
  '' AS elements_chain,
  now64(6, 'UTC') AS created_at,
  reinterpretAsUUID(substring(SHA1(concat('tool-lens-person:', distinct_id)), 1, 16)) AS person_id,
  person AS person_properties
FROM (
  WITH
    ${P(
      'tool_names',
      tools.map((t) => t.name),
    )},
    ${P('tool_w', cum(tools.map((t) => t.weight)))},
    ${P(
      'p_upload',
      perTool((t) => t.pUpload),
    )},
    ${P(
      'p_start',
      perTool((t) => t.pStart),
    )},
    ${P(
      'p_cache',
      perTool((t) => t.pCache),
    )},
    ${P(
      'fail_rate',
      perTool((t) => t.failRate),
    )},
    ${P(
      'p_download',
      perTool((t) => t.pDownload),
    )},
    ${P(
      'median_ms',
      perTool((t) => t.medianMs),
    )},
    ${P(
      'sigma',
      perTool((t) => t.sigma),
    )},
    ${P(
      'file_size_median',
      perTool((t) => t.fileSizeMedian),
    )},
    ${PP(
      'file_types',
      perTool((t) => t.fileTypes.map(([x]) => x)),
    )},
    ${PP(
      'file_type_w',
      perTool((t) => cum(t.fileTypes.map(([, w]) => w))),
    )},
    ${PP(
      'errors',
      perTool((t) => t.errors.map(([x]) => x)),
    )},
    ${PP(
      'error_w',
      perTool((t) => cum(t.errors.map(([, w]) => w))),
    )},
    ${PP(
      'formats',
      perTool((t) => t.formats.map(([x]) => x)),
    )},
    ${PP(
      'format_w',
      perTool((t) => cum(t.formats.map(([, w]) => w))),
    )},
    ${P(
      'dollar_names',
      perTool((t) => (t.dollarNames ? 1 : 0)),
    )},
    ${P(
      'llm_model',
      perTool((t) => t.llm?.model ?? ''),
    )},
    ${P(
      'llm_latency',
      perTool((t) => t.llm?.medianLatencyS ?? 1),
    )},
    ${P(
      'llm_input',
      perTool((t) => t.llm?.inputTokens ?? 1),
    )},
    ${P(
      'llm_output',
      perTool((t) => t.llm?.outputTokens ?? 1),
    )},
    ${P(
      'llm_usd',
      perTool((t) => t.llm?.usdPerKTokens ?? 0),
    )}
  SELECT
    number,
    arrayFirstIndex(c -> ${u(seed, 1)} * tool_w[-1] < c, tool_w) AS ti,
    tool_names[ti] AS tool,
    dollar_names[ti] = 1 AS dollar,
    ${nowMs} - round(if(${u(seed, 2)} < 0.04, ${u(seed, 3)} * 3600000, pow(${u(seed, 4)}, 1.15) * ${spanMs})) AS t0,
    ${u(seed, 5)} < 0.42 AS authenticated,
    if(authenticated, concat('user_', toString(1 + toUInt64(floor(${u(seed, 6)} * ${userPool})))), concat('anon_', ${uuidText(seed, 7)})) AS distinct_id,
    concat('sess_', ${hex16(seed, 9)}) AS session_id,
    ${weighted(arr(['Chrome', 'Safari', 'Firefox', 'Edge']), arr(cum([6, 2, 1, 1])), seed, 12)} AS browser,
    concat('{"platform":"', ${weighted(arr(['web', 'desktop', 'mobile']), arr(cum([7, 2, 1])), seed, 13)}, '","app_version":"', ${weighted(arr(['3.2.1', '3.1.0', '3.0.0']), arr(cum([5, 3, 2])), seed, 14)}, '"',
      if(authenticated, concat(',"role":"', ${weighted(arr(['viewer', 'editor', 'admin']), arr(cum([6, 3, 1])), seed, 15)}, '"'), ''), '}') AS person,
    concat('"$session_id":"', ${uuidText(seed, 10)}, '","$current_url":"https://tools.example.com/tools/', tool, '","$pathname":"/tools/', tool,
      '","$host":"tools.example.com","$lib":"web","$lib_version":"1.200.0","$browser":"', browser, '","', if(dollar, '$tool_name', 'tool_name'), '":"', tool, '"') AS base,
      ${job(1)},
      ${job(2)},
      ${job(3)},
    arrayConcat([(t0, 'tool_viewed', concat('"page_path":"/tools/', tool, '","is_authenticated":', if(authenticated, 'true', 'false'), ',"$set":', person))], events_1, events_2, events_3) AS all_events
  FROM numbers(${Math.max(0, Math.floor(opts.sessions))})
)
ARRAY JOIN all_events AS e, arrayEnumerate(all_events) AS i
-- A session still going on now has only its events up to now (seed.ts stops at the first later one).
WHERE e.1 <= ${nowMs}
SETTINGS max_insert_threads = 2, max_threads = 2, max_block_size = 65536, min_insert_block_size_rows = 1048576`;
}

/**
 * Seeds about `events` events inside ClickHouse and returns how many went in. Property types come
 * from a small sample of the same sessions drawn by the JS generator (PostHog would define them from
 * the first events it ingests).
 */
export async function seedInClickHouse(store: EventStore, opts: SeedOptions, teamId = 1): Promise<number> {
  const sessions = sessionsFor(opts);
  await store.define(generateSeedEvents({ ...opts, events: 5_000 }), teamId);
  const before = Number(((await store.queryRows(`SELECT count() AS n FROM events WHERE team_id = ${teamId}`)) as Array<{ n: number | string }>)[0]?.n ?? 0);
  await store.session.queryAsync(bulkSeedSql({ ...opts, sessions, teamId }));
  const after = Number(((await store.queryRows(`SELECT count() AS n FROM events WHERE team_id = ${teamId}`)) as Array<{ n: number | string }>)[0]?.n ?? 0);
  return after - before;
}
