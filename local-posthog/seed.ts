/**
 * Deterministic generator of realistic tool-usage events (same seed + days + events + now → same output).
 *
 * Events follow the product's instrumentation: tool_viewed → tool_upload_started →
 * tool_processing_started → tool_processing_completed | tool_processing_failed → tool_result_downloaded.
 * csv-cleaner deliberately spells `$tool_name` / `$processing_duration_ms` (with `$`), like some real
 * products do, so consumers must handle both spellings.
 */

export interface SeedEvent {
  uuid: string;
  event: string;
  distinct_id: string;
  timestamp: string; // ISO
  properties: Record<string, unknown>;
}

export interface SeedOptions {
  seed: number;
  days: number;
  events: number;
  now?: Date;
}

interface ToolProfile {
  name: string;
  weight: number;
  pUpload: number;
  pStart: number;
  pCache: number;
  failRate: number;
  pDownload: number;
  medianMs: number;
  sigma: number;
  fileTypes: [string, number][];
  fileSizeMedian: number;
  errors: [string, number][];
  formats: [string, number][];
  dollarNames?: boolean;
  /** Tools that call a model send PostHog's `$ai_generation` events (seed 003). */
  llm?: { model: string; medianLatencyS: number; inputTokens: number; outputTokens: number; usdPerKTokens: number };
}

export const SEED_TOOLS: ToolProfile[] = [
  {
    name: 'news-analyzer',
    weight: 24,
    pUpload: 0.62,
    pStart: 0.93,
    pCache: 0.22,
    failRate: 0.05,
    pDownload: 0.55,
    medianMs: 3200,
    sigma: 0.5,
    fileTypes: [
      ['url', 5],
      ['html', 2],
      ['txt', 2],
    ],
    fileSizeMedian: 40_000,
    errors: [
      ['timeout', 3],
      ['internal_error', 2],
      ['rate_limited', 4],
      ['unsupported_format', 1],
    ],
    formats: [
      ['json', 4],
      ['pdf', 2],
      ['md', 3],
    ],
    llm: { model: 'gpt-4o-mini', medianLatencyS: 1.8, inputTokens: 2400, outputTokens: 450, usdPerKTokens: 0.0006 },
  },
  {
    name: 'pdf-to-text',
    weight: 22,
    pUpload: 0.71,
    pStart: 0.95,
    pCache: 0.18,
    failRate: 0.08,
    pDownload: 0.78,
    medianMs: 2100,
    sigma: 0.6,
    fileTypes: [['pdf', 1]],
    fileSizeMedian: 900_000,
    errors: [
      ['ocr_failed', 5],
      ['file_too_large', 2],
      ['unsupported_format', 2],
      ['internal_error', 1],
    ],
    formats: [
      ['txt', 5],
      ['docx', 2],
      ['md', 1],
    ],
  },
  {
    name: 'image-compressor',
    weight: 20,
    pUpload: 0.8,
    pStart: 0.97,
    pCache: 0.3,
    failRate: 0.03,
    pDownload: 0.86,
    medianMs: 700,
    sigma: 0.45,
    fileTypes: [
      ['jpg', 5],
      ['png', 4],
      ['webp', 2],
    ],
    fileSizeMedian: 2_500_000,
    errors: [
      ['unsupported_format', 4],
      ['file_too_large', 3],
      ['internal_error', 1],
    ],
    formats: [
      ['jpg', 4],
      ['png', 3],
      ['webp', 3],
      ['zip', 1],
    ],
  },
  {
    name: 'audio-transcriber',
    weight: 12,
    pUpload: 0.55,
    pStart: 0.88,
    pCache: 0.08,
    failRate: 0.15,
    pDownload: 0.64,
    medianMs: 40_000,
    sigma: 0.75,
    fileTypes: [
      ['mp3', 5],
      ['wav', 2],
      ['m4a', 3],
    ],
    fileSizeMedian: 8_000_000,
    errors: [
      ['timeout', 6],
      ['file_too_large', 3],
      ['unsupported_format', 2],
      ['internal_error', 1],
      ['rate_limited', 1],
    ],
    formats: [
      ['txt', 4],
      ['srt', 3],
      ['vtt', 1],
      ['docx', 1],
    ],
  },
  {
    name: 'csv-cleaner',
    weight: 14,
    pUpload: 0.74,
    pStart: 0.96,
    pCache: 0.25,
    failRate: 0.06,
    pDownload: 0.82,
    medianMs: 1200,
    sigma: 0.55,
    fileTypes: [
      ['csv', 6],
      ['xlsx', 3],
      ['tsv', 1],
    ],
    fileSizeMedian: 300_000,
    errors: [
      ['unsupported_format', 5],
      ['file_too_large', 2],
      ['internal_error', 2],
    ],
    formats: [
      ['csv', 6],
      ['xlsx', 3],
      ['json', 1],
    ],
    dollarNames: true,
  },
  {
    name: 'video-summarizer',
    weight: 8,
    pUpload: 0.45,
    pStart: 0.9,
    pCache: 0.12,
    failRate: 0.12,
    pDownload: 0.58,
    medianMs: 8000,
    sigma: 0.6,
    fileTypes: [
      ['mp4', 6],
      ['mov', 3],
      ['webm', 1],
    ],
    fileSizeMedian: 60_000_000,
    errors: [
      ['timeout', 4],
      ['file_too_large', 4],
      ['unsupported_format', 1],
      ['internal_error', 2],
      ['rate_limited', 1],
    ],
    formats: [
      ['txt', 3],
      ['md', 2],
      ['pdf', 2],
    ],
    llm: { model: 'gpt-4o', medianLatencyS: 6.5, inputTokens: 12_000, outputTokens: 900, usdPerKTokens: 0.005 },
  },
];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
  weighted<T>(items: [T, number][]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }
  /** 32 random bits. */
  u32(): number {
    return Math.floor(this.next() * 4294967296);
  }
  /** n hex digits, 8 per draw. */
  hex(n: number): string {
    let s = '';
    while (s.length < n) {
      const x = this.u32();
      s += HEX_BYTE[x >>> 24]! + HEX_BYTE[(x >>> 16) & 255]! + HEX_BYTE[(x >>> 8) & 255]! + HEX_BYTE[x & 255]!;
    }
    return s.length === n ? s : s.slice(0, n);
  }
  uuid(): string {
    const h = this.hex(32);
    const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

const DAY_MS = 86_400_000;

export function* generateSeedEvents(opts: SeedOptions): Generator<SeedEvent> {
  const rng = new Rng(opts.seed);
  const nowMs = (opts.now ?? new Date()).getTime();
  const spanMs = Math.max(1, opts.days) * DAY_MS;
  const target = Math.max(0, Math.floor(opts.events));
  const userPool = Math.max(20, Math.round(target / 40));
  const toolWeights: [ToolProfile, number][] = SEED_TOOLS.map((t) => [t, t.weight]);
  let emitted = 0;
  let sessionNo = 0;

  while (emitted < target) {
    sessionNo++;
    const tool = rng.weighted(toolWeights);
    // ~4% of sessions in the last hour, the rest spread over the range with a mild recency bias.
    const startOffset = rng.chance(0.04) ? rng.float() * 3_600_000 : Math.pow(rng.float(), 1.15) * spanMs;
    let t = nowMs - startOffset;
    const authenticated = rng.chance(0.42);
    const distinctId = authenticated ? `user_${rng.int(1, userPool)}` : `anon_${rng.uuid()}`;
    const sessionId = `sess_${rng.hex(16)}`;
    const phSessionId = rng.uuid();
    const toolKey = tool.dollarNames ? '$tool_name' : 'tool_name';
    const durationKey = tool.dollarNames ? '$processing_duration_ms' : 'processing_duration_ms';
    const url = `https://tools.example.com/tools/${tool.name}`;
    const pathname = `/tools/${tool.name}`;
    const browser = rng.weighted<string>([
      ['Chrome', 6],
      ['Safari', 2],
      ['Firefox', 1],
      ['Edge', 1],
    ]);
    const out: SeedEvent[] = [];
    const times: number[] = [];
    const push = (event: string, props: Record<string, unknown>) => {
      // Same keys as `{ ...base, [toolKey]: tool.name, ...props, session_id }`, built without spreads (seeding speed).
      const properties: Record<string, unknown> = {
        $session_id: phSessionId,
        $current_url: url,
        $pathname: pathname,
        $host: 'tools.example.com',
        $lib: 'web',
        $lib_version: '1.200.0',
        $browser: browser,
      };
      properties[toolKey] = tool.name;
      for (const key in props) properties[key] = props[key];
      properties.session_id = sessionId;
      const ms = Math.round(t);
      times.push(ms);
      out.push({ uuid: rng.uuid(), event, distinct_id: distinctId, timestamp: new Date(ms).toISOString(), properties });
    };

    // Person properties as the product's identify calls set them (seeds 001/004): role for users, platform and version for all.
    const person = {
      platform: rng.weighted<string>([
        ['web', 7],
        ['desktop', 2],
        ['mobile', 1],
      ]),
      app_version: rng.weighted<string>([
        ['3.2.1', 5],
        ['3.1.0', 3],
        ['3.0.0', 2],
      ]),
      ...(authenticated
        ? {
            role: rng.weighted<string>([
              ['viewer', 6],
              ['editor', 3],
              ['admin', 1],
            ]),
          }
        : {}),
    };
    push('tool_viewed', { page_path: `/tools/${tool.name}`, is_authenticated: authenticated, $set: person });
    let jobs = 0;
    while (jobs < 3) {
      jobs++;
      t += rng.logNormal(jobs === 1 ? 20_000 : 40_000, 0.6);
      if (!rng.chance(jobs === 1 ? tool.pUpload : 0.5)) break;
      const fileType = rng.weighted(tool.fileTypes);
      push('tool_upload_started', { file_type: fileType, file_size: Math.round(rng.logNormal(tool.fileSizeMedian, 0.8)) });
      t += rng.logNormal(1500, 0.5);
      if (!rng.chance(tool.pStart)) break;
      const jobId = `job_${rng.hex(12)}`;
      const fromCache = rng.chance(tool.pCache);
      push('tool_processing_started', { job_id: jobId, from_cache: fromCache });
      const failed = !fromCache && rng.chance(tool.failRate);
      if (failed) {
        const errorType = rng.weighted(tool.errors);
        const duration = Math.round(
          errorType === 'timeout' ? Math.max(tool.medianMs * 2.5, 30_000) * (1 + rng.float() * 0.2) : rng.logNormal(tool.medianMs * 0.4, 0.7),
        );
        t += duration;
        push('tool_processing_failed', { job_id: jobId, error_type: errorType, [durationKey]: duration });
        if (!rng.chance(0.35)) break; // some retry
        continue;
      }
      const duration = Math.round(fromCache ? rng.logNormal(120, 0.5) : rng.logNormal(tool.medianMs, tool.sigma));
      if (tool.llm && !fromCache) {
        const llm = tool.llm;
        const input = Math.round(rng.logNormal(llm.inputTokens, 0.5));
        const output = Math.round(rng.logNormal(llm.outputTokens, 0.4));
        push('$ai_generation', {
          $ai_model: llm.model,
          $ai_provider: 'openai',
          $ai_trace_id: jobId,
          $ai_latency: Math.round(rng.logNormal(llm.medianLatencyS, 0.5) * 1000) / 1000,
          $ai_input_tokens: input,
          $ai_output_tokens: output,
          $ai_total_cost_usd: Math.round(((input + output) / 1000) * llm.usdPerKTokens * 1e6) / 1e6,
          $ai_is_error: rng.chance(0.03),
          $ai_http_status: 200,
        });
      }
      t += duration;
      push('tool_processing_completed', { job_id: jobId, [durationKey]: Math.max(1, duration), from_cache: fromCache });
      t += rng.logNormal(6000, 0.8);
      if (rng.chance(tool.pDownload)) {
        push('tool_result_downloaded', { job_id: jobId, download_format: rng.weighted(tool.formats) });
      }
      if (!rng.chance(0.18)) break; // most sessions process one file
    }

    for (let i = 0; i < out.length; i++) {
      if (emitted >= target) break;
      if (times[i]! > nowMs) break; // session still "in progress"
      emitted++;
      yield out[i]!;
    }
    if (sessionNo > target * 4 + 100) break; // safety net
  }
}
