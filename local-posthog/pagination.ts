/**
 * DRF's LimitOffsetPagination as PostHog's lists use it (posthog/settings/web.py REST_FRAMEWORK:
 * DEFAULT_PAGINATION_CLASS LimitOffsetPagination, PAGE_SIZE 100; a view may set its own default, as
 * annotations do with 1000). `next` and `previous` are the request's own URL with `limit` and `offset`
 * replaced (rest_framework/pagination.py `get_next_link`; utils/urls.py `replace_query_param`), so every other filter
 * a client sent stays in them.
 */
export const PAGE_SIZE = 100;

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** DRF's `_positive_int`: a bad or negative value falls back to the default (limit) or 0 (offset). */
function positiveInt(raw: string | null, fallback: number, strict: boolean): number {
  if (raw === null || !/^\s*[+-]?\d+\s*$/.test(raw)) return fallback;
  const n = Number.parseInt(raw, 10);
  if (n < 0 || (strict && n === 0)) return fallback;
  return n;
}

/** One page of `items` for a request to `requestUrl` (absolute: what `build_absolute_uri` gives). */
export function limitOffsetPage<T>(items: readonly T[], requestUrl: URL, defaultLimit = PAGE_SIZE): Page<T> {
  const limit = positiveInt(requestUrl.searchParams.get('limit'), defaultLimit, true);
  const offset = positiveInt(requestUrl.searchParams.get('offset'), 0, false);
  const link = (nextOffset: number | null) => {
    const url = new URL(requestUrl);
    url.searchParams.set('limit', String(limit));
    // DRF's previous link drops offset when it would be 0 (remove_query_param).
    if (nextOffset === null) url.searchParams.delete('offset');
    else url.searchParams.set('offset', String(nextOffset));
    // replace_query_param re-encodes the query sorted by name.
    url.searchParams.sort();
    return url.toString();
  };
  return {
    count: items.length,
    next: offset + limit < items.length ? link(offset + limit) : null,
    previous: offset <= 0 ? null : offset - limit <= 0 ? link(null) : link(offset - limit),
    results: items.slice(offset, offset + limit),
  };
}
