/**
 * Decoding of capture request bodies as posthog-js and posthog-node send them.
 *
 *  - posthog-node (v0 capture): POST /batch/ JSON `{api_key, batch:[...], sent_at}`, `Content-Encoding: gzip`.
 *  - posthog-js: POST /e/ (or /i/v0/e/) `?compression=gzip-js` with a gzipped JSON body, or
 *    `application/x-www-form-urlencoded` with `data=<base64 JSON>` (`compression=base64`).
 *  - single event objects, arrays of events, `{api_key, batch}` — token in `api_key`/`token`/`properties.token`.
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { StoredEvent } from './store.js';

export class CaptureError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    message: string,
    readonly attr: string | null = null,
  ) {
    super(message);
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isGzip(buf: Buffer): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Largest decompressed capture body: what the server reads uncompressed (a small gzip can hold gigabytes). */
export const MAX_DECOMPRESSED_BYTES = 25 * 1024 * 1024;

function gunzip(buf: Buffer): Buffer {
  try {
    return gunzipSync(buf, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CaptureError(
        413,
        'validation_error',
        'payload_too_large',
        `Request body is too large: more than ${MAX_DECOMPRESSED_BYTES / 1024 / 1024} MB once decompressed.`,
      );
    }
    throw new CaptureError(400, 'validation_error', 'invalid_payload', `Malformed request data: failed to decompress gzip body (${(e as Error).message}).`);
  }
}

function unsupportedCompression(c: string): CaptureError {
  return new CaptureError(
    400,
    'validation_error',
    'invalid_payload',
    `Malformed request data: compression '${c}' is not supported by the local PostHog server (supported: gzip, gzip-js, base64, none).`,
  );
}

/** Turn the raw HTTP body into a JSON value. */
export function decodeCaptureBody(body: Buffer, headers: Record<string, string | string[] | undefined>, query: URLSearchParams): unknown {
  const contentEncoding = String(headers['content-encoding'] ?? '').toLowerCase();
  const contentType = String(headers['content-type'] ?? '').toLowerCase();
  let compression = (query.get('compression') ?? '').toLowerCase();
  let buf = body;

  if (contentEncoding && contentEncoding !== 'identity') {
    if (contentEncoding === 'gzip' || contentEncoding === 'x-gzip') buf = gunzip(buf);
    else throw unsupportedCompression(contentEncoding);
  }

  let text: string | null = null;
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(buf.toString('utf8'));
    const formCompression = form.get('compression');
    if (formCompression) compression = formCompression.toLowerCase();
    const data = form.get('data');
    if (data === null) throw new CaptureError(400, 'validation_error', 'invalid_payload', 'Malformed request data: no data field found in form body.');
    const trimmed = data.trim();
    if (compression === 'lz64' || compression === 'lz-string') throw unsupportedCompression(compression);
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      text = trimmed;
    } else {
      const raw = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
      buf = isGzip(raw) || compression === 'gzip-js' || compression === 'gzip' ? gunzip(raw) : raw;
      text = buf.toString('utf8');
    }
  } else {
    if (compression === 'gzip-js' || compression === 'gzip') {
      if (isGzip(buf)) buf = gunzip(buf);
    } else if (compression === 'base64') {
      const s = buf.toString('utf8').trim();
      if (!s.startsWith('{') && !s.startsWith('[')) buf = Buffer.from(s, 'base64');
    } else if (compression && compression !== 'none' && compression !== '') {
      throw unsupportedCompression(compression);
    } else if (isGzip(buf)) {
      buf = gunzip(buf);
    }
    text = buf.toString('utf8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CaptureError(400, 'validation_error', 'invalid_payload', 'Malformed request data: body is not valid JSON.');
  }
}

interface RawEvent {
  event?: unknown;
  distinct_id?: unknown;
  properties?: unknown;
  timestamp?: unknown;
  offset?: unknown;
  uuid?: unknown;
  api_key?: unknown;
  token?: unknown;
  $set?: unknown;
  $set_once?: unknown;
  sent_at?: unknown;
}

export interface DecodedBatch {
  token: string | null;
  events: StoredEvent[];
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function parseDate(v: unknown): Date | null {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v);
  if (typeof v === 'string' && v) {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

/** PostHog capture's timestamp rule (offset, or timestamp corrected by sent_at clock skew, or now). */
function eventTimestamp(e: RawEvent, sentAt: Date | null, now: Date): { ts: Date; iso?: string } {
  if (typeof e.offset === 'number' && Number.isFinite(e.offset)) return { ts: new Date(now.getTime() - e.offset) };
  const ts = parseDate(e.timestamp);
  if (ts) {
    const eventSentAt = parseDate(e.sent_at) ?? sentAt;
    if (eventSentAt) {
      const skew = now.getTime() - eventSentAt.getTime();
      // Local deviation: PostHog always applies the skew; we ignore sub-second skew so timestamps round-trip exactly.
      if (Math.abs(skew) > 1000) return { ts: new Date(ts.getTime() + skew) };
    }
    return { ts, iso: typeof e.timestamp === 'string' ? e.timestamp : undefined };
  }
  return { ts: now };
}

/** Normalise a decoded capture payload into events plus the project token. */
export function normalizeCapturePayload(payload: unknown, query: URLSearchParams, now = new Date()): DecodedBatch {
  let rawEvents: RawEvent[];
  let token: string | null = str(query.get('token')) ?? str(query.get('api_key'));
  let sentAt: Date | null = null;
  const qSent = query.get('_');
  if (qSent && /^\d+$/.test(qSent)) sentAt = new Date(Number(qSent));

  if (Array.isArray(payload)) {
    rawEvents = payload as RawEvent[];
  } else if (payload && typeof payload === 'object') {
    const p = payload as Record<string, unknown>;
    token = str(p.api_key) ?? str(p.token) ?? token;
    sentAt = parseDate(p.sent_at) ?? sentAt;
    if (Array.isArray(p.batch)) rawEvents = p.batch as RawEvent[];
    else if (Array.isArray(p.data)) rawEvents = p.data as RawEvent[];
    else rawEvents = [p as RawEvent];
  } else {
    throw new CaptureError(400, 'validation_error', 'invalid_payload', 'Malformed request data: expected an event object or an array of events.');
  }

  const events: StoredEvent[] = [];
  for (const raw of rawEvents) {
    if (!raw || typeof raw !== 'object') {
      throw new CaptureError(400, 'validation_error', 'invalid_payload', 'Invalid payload: every event must be an object.');
    }
    const props: Record<string, unknown> =
      raw.properties && typeof raw.properties === 'object' && !Array.isArray(raw.properties) ? { ...(raw.properties as Record<string, unknown>) } : {};
    const eventToken = str(raw.api_key) ?? str(raw.token) ?? str(props.token);
    if (!token && eventToken) token = eventToken;
    const name = str(raw.event);
    if (!name) throw new CaptureError(400, 'validation_error', 'invalid_payload', "Invalid payload: All events must have the event name field 'event'!");
    const distinctRaw = raw.distinct_id ?? props.distinct_id ?? props.$distinct_id;
    const distinctId = typeof distinctRaw === 'number' ? String(distinctRaw) : str(distinctRaw);
    if (!distinctId) throw new CaptureError(400, 'validation_error', 'invalid_payload', "Invalid payload: All events must have the event field 'distinct_id'!");
    if (raw.$set && typeof raw.$set === 'object' && props.$set === undefined) props.$set = raw.$set;
    if (raw.$set_once && typeof raw.$set_once === 'object' && props.$set_once === undefined) props.$set_once = raw.$set_once;
    const { ts, iso } = eventTimestamp(raw, sentAt, now);
    const uuid = typeof raw.uuid === 'string' && UUID_RE.test(raw.uuid) ? raw.uuid.toLowerCase() : randomUUID();
    events.push({ uuid, event: name, distinct_id: distinctId, properties: props, timestamp: iso ?? ts, created_at: now });
  }
  return { token, events };
}
