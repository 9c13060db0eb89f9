/**
 * What PostHog refuses, and how: rate limits per personal API key, and ClickHouse's limits turned into
 * PostHog's HTTP errors. Each rule names the PostHog file it mirrors.
 */
import { totalmem } from 'node:os';
import { ApiError } from './dashboards.js';

export interface Limits {
  /**
   * HogQL queries an hour per personal API key: PostHog's HogQLQueryThrottle (posthog/rate_limit.py@00b34d82,
   * scope `query`, "120/hour"; a team's `api_query_rate_limit` changes the rate). null: no limit.
   */
  queriesPerHour: number | null;
  /** Other API requests per key: PostHog's default burst (480/minute) and sustained (4800/hour) throttles. null: no limit. */
  requestsPerMinute: number | null;
  requestsPerHour: number | null;
  /** ClickHouse max_execution_time for a query (hogql/constants.py: 60 s). */
  maxExecutionSeconds: number;
  /**
   * The API's own ceiling for queries sent with a personal API key, answered 504 "This query hit the
   * N-second time limit for queries run through the API…" (hogql_query_runner.py `api_query_max_execution_time`,
   * `api_timeout_detail`). 10 s, the value PostHog's source sets (hogql_query_runner.py@00f113df: `max_execution_time = 10`
   * for API queries); newer releases read API_QUERIES_MAX_EXECUTION_TIME. null: none (a legacy team: maxExecutionSeconds applies).
   */
  apiMaxExecutionSeconds: number | null;
  /** What an async query may take: HOGQL_INCREASED_MAX_EXECUTION_TIME (posthog/settings/__init__.py, 600 s; posthog/hogql/query.py). */
  asyncMaxExecutionSeconds: number;
  /** API queries running at once per project, async ones included (limit.py `get_api_team_rate_limiter`: 3). null: no limit. */
  apiConcurrentQueries: number | null;
  /** How long a query over the concurrency limit waits for a slot before the 429 (limit.py retry_timeout: 30 s). */
  concurrencyWaitSeconds: number;
  /** Polls and cancels of async queries (GET/DELETE /query/:id/): ClickHouse burst and sustained throttles (rate_limit.py: 240/minute, 1200/hour). null: no limit. */
  pollsPerMinute: number | null;
  pollsPerHour: number | null;
  /** ClickHouse max_memory_usage in bytes; 0: no limit. */
  maxMemoryBytes: number;
  /** Refuse a query ClickHouse estimates to run longer (TOO_SLOW); 0: off. */
  maxEstimatedExecutionSeconds: number;
  /** Queries running at once; past it ClickHouse answers TOO_MANY_SIMULTANEOUS_QUERIES (0: the cluster is full). null: no limit. */
  maxConcurrentQueries: number | null;
}

export const POSTHOG_LIMITS: Limits = {
  queriesPerHour: 120,
  requestsPerMinute: 480,
  requestsPerHour: 4800,
  maxExecutionSeconds: 60,
  apiMaxExecutionSeconds: 10,
  asyncMaxExecutionSeconds: 600,
  apiConcurrentQueries: 3,
  concurrencyWaitSeconds: 30,
  pollsPerMinute: 240,
  pollsPerHour: 1200,
  maxMemoryBytes: 0,
  maxEstimatedExecutionSeconds: 0,
  maxConcurrentQueries: null,
};

/**
 * The local server's default max_memory_usage: chdb runs inside the server's own process, so one
 * query that takes the machine's memory takes the server (and the tests beside it) down. 2 GiB, or a
 * quarter of the machine's memory if that is less; the card's queries on the seed need a few MB.
 */
export const LOCAL_MEMORY_LIMIT_BYTES = Math.min(2 * 1024 ** 3, Math.floor(totalmem() / 4));

/**
 * DRF's SimpleRateThrottle, as PostHog's throttles use it: a history of request times per key within
 * the window; when it is full, the wait is what is left of the window for the oldest request.
 */
export class RateThrottle {
  private readonly history = new Map<string, number[]>();

  constructor(
    private readonly rate: () => number | null,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records the request and returns null, or the seconds to wait (the request is then not recorded). */
  take(key: string): number | null {
    const rate = this.rate();
    if (rate === null) return null;
    const now = this.now();
    const times = this.history.get(key) ?? [];
    while (times.length && times[times.length - 1]! <= now - this.windowMs) times.pop();
    if (times.length >= rate) {
      const oldest = times[times.length - 1] ?? now;
      const remaining = this.windowMs - (now - oldest);
      return remaining / 1000 / Math.max(1, rate - times.length + 1);
    }
    times.unshift(now);
    this.history.set(key, times);
    return null;
  }

  reset(): void {
    this.history.clear();
  }
}

/** DRF's Throttled (rest_framework/exceptions.py) as exceptions_hog renders it: no Retry-After header, the wait in the text. */
export function throttledError(waitSeconds: number): ApiError {
  const wait = Math.ceil(waitSeconds);
  return new ApiError(429, 'throttled_error', 'throttled', `Request was throttled. Expected available in ${wait} second${wait === 1 ? '' : 's'}.`);
}

/**
 * ClickHouse errors PostHog shows the user (posthog/errors.py@00cc6947 `wrap_clickhouse_query_error`:
 * the ExposedCHQueryError classes and every ErrorCodeMeta with `user_safe`): true keeps ClickHouse's
 * text, a string replaces it (that text could carry stored values). Every other error is internal.
 * UNKNOWN_IDENTIFIER and UNSUPPORTED_METHOD are internal there despite their flags: their own classes say so.
 */
const EXPOSED_CLICKHOUSE_ERRORS: Readonly<Record<string, true | string>> = {
  ILLEGAL_TYPE_OF_ARGUMENT: true,
  NO_COMMON_TYPE: true,
  NOT_AN_AGGREGATE: true,
  UNKNOWN_FUNCTION: true,
  TYPE_MISMATCH: true,
  ILLEGAL_AGGREGATION: true,
  NUMBER_OF_ARGUMENTS_DOESNT_MATCH: true,
  TOO_MANY_BYTES: true,
  CANNOT_PARSE_UUID: 'Cannot parse a UUID. Check the format of the values converted to UUIDs.',
  CANNOT_PARSE_BOOL: 'Cannot parse a boolean. Check for values other than true, false, 1, or 0.',
  INVALID_JOIN_ON_EXPRESSION: 'Invalid JOIN ON expression. Check that the condition uses supported comparisons between the joined tables.',
  UNKNOWN_TABLE: true,
  CANNOT_PARSE_TEXT: 'Cannot parse a value as the requested type. Check your input formats and type conversions.',
  TOO_MANY_ARGUMENTS_FOR_FUNCTION: true,
  TOO_FEW_ARGUMENTS_FOR_FUNCTION: true,
  BAD_ARGUMENTS: true,
  CANNOT_PARSE_DATE: 'Cannot parse a date. Check your date values and their format.',
  CANNOT_PARSE_DATETIME: 'Cannot parse a date and time. Check your datetime values and their format.',
  ILLEGAL_COLUMN: true,
  UNKNOWN_TYPE: true,
  ILLEGAL_TYPE_OF_COLUMN_FOR_FILTER: true,
  UNKNOWN_AGGREGATE_FUNCTION: true,
  ARGUMENT_OUT_OF_BOUND: 'An argument is out of bounds.',
  CANNOT_CONVERT_TYPE: 'Cannot convert one type to another in the query. Check the types in your comparisons and IN clauses.',
  CANNOT_PARSE_NUMBER: 'Cannot parse a number. Check for non-numeric values in your type conversions.',
  INCORRECT_QUERY: true,
  UNSUPPORTED_JOIN_KEYS: 'Unsupported JOIN keys. Check the expressions and types used to join your tables.',
  INCOMPATIBLE_COLUMNS: true,
  INCORRECT_RESULT_OF_SCALAR_SUBQUERY:
    'A scalar subquery returned more than one row, or an empty result that cannot be nullable. Make sure the subquery returns a single value.',
  TOO_LARGE_ARRAY_SIZE: 'An array has an invalid or unsupported size. Check array lengths and reduce the number of elements.',
  CANNOT_READ_ARRAY_FROM_TEXT: 'Cannot parse an array. Check the format of the values converted to arrays.',
  ZERO_ARRAY_OR_TUPLE_INDEX: true,
  ILLEGAL_DIVISION: true,
  CYCLIC_ALIASES: true,
  SIZES_OF_ARRAYS_DONT_MATCH: 'Array sizes do not match. Make sure arrays used together have the same number of elements.',
  AMBIGUOUS_IDENTIFIER: true,
  EMPTY_QUERY: true,
  UNION_ALL_RESULT_STRUCTURES_MISMATCH: 'Mismatched number of columns in UNION ALL.',
  INCOMPATIBLE_TYPE_OF_JOIN: true,
  VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE: true,
  CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN: true,
  AMBIGUOUS_COLUMN_NAME: true,
  INDEX_OF_POSITIONAL_ARGUMENT_IS_OUT_OF_RANGE: true,
  ILLEGAL_SYNTAX_FOR_DATA_TYPE: true,
  FUNCTION_THROW_IF_VALUE_IS_NON_ZERO: true,
  DECIMAL_OVERFLOW: 'Decimal overflow while executing query.',
  CANNOT_COMPILE_REGEXP: 'Cannot compile the regular expression. Check RE2 syntax, escaping, and the number of capturing groups.',
  INVALID_LIMIT_EXPRESSION: 'Invalid LIMIT or OFFSET expression. Use a constant number in the supported range.',
  WITH_TIES_WITHOUT_ORDER_BY: true,
  UNACCEPTABLE_URL:
    "PostHog can't read from this storage host. Check the files URL pattern on the table points at S3, Google Cloud Storage, Cloudflare R2, or Azure Blob Storage.",
  CANNOT_PARSE_IPV4: 'Cannot parse an IPv4 address. Check the format of your IP addresses.',
  CANNOT_PARSE_IPV6: 'Cannot parse an IPv6 address. Check the format of your IP addresses.',
  UNKNOWN_ELEMENT_OF_ENUM: 'A value is not a member of the enum. Check the allowed values of the enum type.',
  INVALID_IDENTIFIER: true,
};

/** posthog/errors.py GENERIC_INTERNAL_CH_ERROR_MESSAGE: what /query answers for an internal ClickHouse error (api/query.py). */
export const INTERNAL_CLICKHOUSE_ERROR_MESSAGE = 'ClickHouse error while executing query.';

/**
 * An internal ClickHouse error (InternalCHQueryError): /query answers 500 with PostHog's fixed text, an
 * async query fails with no message (execute_async.py exposes only APIException and the Exposed errors).
 * `missingColumn`: ClickHouse's "There's no column … in table", which /query alone turns into a 400
 * (api/query.py `handle_column_ch_error`).
 */
export class InternalClickHouseError extends ApiError {
  constructor(
    readonly clickHouseMessage: string,
    readonly missingColumn: string | null,
  ) {
    super(500, 'server_error', 'error', INTERNAL_CLICKHOUSE_ERROR_MESSAGE);
  }
}

/** ExposedCHQueryError.__str__: ClickHouse's text between "DB::Exception:" and "Stack trace:". */
function exposedText(message: string): string {
  const start = message.indexOf('DB::Exception:');
  const end = message.indexOf('Stack trace:');
  return message.slice(start < 0 ? 0 : start + 'DB::Exception:'.length, end < 0 ? message.length : end).trim();
}

/**
 * A ClickHouse error as PostHog's /query answers it (posthog/errors.py@00cc6947 `wrap_clickhouse_query_error`,
 * posthog/exceptions.py, posthog/api/query.py@001cc8ab): timeouts 504, estimated too slow 512, out of memory
 * 513, a busy cluster 503; a user-safe error 400 with its code name and text (ValidationError(str(e), code_name));
 * any other an InternalClickHouseError (500).
 */
export function clickHouseError(raw: string): ApiError {
  const message = raw.replace(/\s*\(version [^)]*\)\s*$/, '');
  const name = /\(([A-Z][A-Z_0-9]+)\)\s*$/.exec(message)?.[1] ?? '';
  switch (name) {
    case 'TIMEOUT_EXCEEDED':
      return new ApiError(
        504,
        'server_error',
        'error',
        'Query has hit the max execution time before completing. See our docs for how to improve your query performance. You may need to materialize.',
      );
    case 'TOO_SLOW': {
      const estimate = /Estimated query execution time \(.* seconds\) is too long\./.exec(message)?.[0] ?? 'Estimated query execution time is too long';
      return new ApiError(512, 'server_error', 'error', `${estimate} Try reducing its scope by changing the time range.`);
    }
    case 'MEMORY_LIMIT_EXCEEDED':
      return new ApiError(
        513,
        'server_error',
        'clickhouse_memory_limit_exceeded',
        message.includes('(for query)') || message.includes('Query memory limit exceeded')
          ? "This query ran out of memory before it could finish, usually because it's scanning too much data. Try a shorter date range or narrower filters, or see our docs for more ways to speed it up: https://posthog.com/docs/product-analytics/troubleshooting#how-do-i-speed-up-my-insights-and-queries"
          : "We're under heavy load right now and couldn't finish this query. Please try again in a few minutes.",
      );
    case 'TOO_MANY_SIMULTANEOUS_QUERIES':
    case 'CANNOT_SCHEDULE_TASK':
      return atCapacity();
  }
  // ClickHouseQuerySizeExceeded: a plain APIException, 500.
  if (name === 'SYNTAX_ERROR' && message.includes('query size exceeded')) return new ApiError(500, 'server_error', 'error', 'Query size exceeded.');
  const exposed = Object.hasOwn(EXPOSED_CLICKHOUSE_ERRORS, name) ? EXPOSED_CLICKHOUSE_ERRORS[name] : undefined;
  if (exposed !== undefined) return new ApiError(400, 'validation_error', name.toLowerCase(), typeof exposed === 'string' ? exposed : exposedText(message));
  return new InternalClickHouseError(message, /There's no column.*in table/.exec(message)?.[0] ?? null);
}

/** posthog/exceptions.py ClickHouseAtCapacity. */
export function atCapacity(): ApiError {
  return new ApiError(503, 'server_error', 'error', "Queries are a little too busy right now. We're working to free up resources. Please try again later.");
}
