import { describe, expect, it } from 'vitest';
import { codeSpan, triageRowSummary } from './summary';

describe('summary to paste', () => {
  it('keeps event data as text in Markdown: a code span no backtick inside can close', () => {
    expect(codeSpan('pdf-to-text')).toBe('`pdf-to-text`');
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`x`')).toBe('`` `x` ``');
    expect(codeSpan('**bold** [link](javascript:alert(1))')).toBe('`**bold** [link](javascript:alert(1))`');
  });

  it('keeps a code span on one line: event data with line breaks cannot start a paragraph, a link or a list', () => {
    const evil = 'oops`\n\n[Reset your password](https://evil.example)';
    expect(codeSpan(evil)).toBe('``oops` [Reset your password](https://evil.example)``');
    for (const br of ['\r\n', '\r', '\u2028', '\u2029', '\u0085', '\v', '\f']) expect(codeSpan(`a${br}- b`)).toBe('`a - b`');
    const row = { jobId: 'j\n# heading', durationMs: null, at: '2026-12-01T10:00:00.000Z', detail: evil, eventUrl: 'https://ph.test/e/1', replayUrl: null };
    const line = triageRowSummary(row, 'failure', 'pdf\n\n* item');
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toBe(
      'Job `j # heading` on `pdf * item` failed with ``oops` [Reset your password](https://evil.example)``, at 2026-12-01T10:00:00.000Z. [event](https://ph.test/e/1)',
    );
  });

  it('says what happened to one job, with its links', () => {
    const row = {
      jobId: 'j-42',
      durationMs: 30_000,
      at: '2026-12-01T10:00:00.000Z',
      detail: 'timeout',
      eventUrl: 'https://ph.test/e/1',
      replayUrl: 'https://ph.test/r/1',
    };
    expect(triageRowSummary(row, 'failure', 'pdf-to-text')).toBe(
      'Job `j-42` on `pdf-to-text` failed with `timeout` after 30.0 s, at 2026-12-01T10:00:00.000Z. [event](https://ph.test/e/1) · [replay](https://ph.test/r/1)',
    );
    expect(triageRowSummary({ ...row, jobId: null, durationMs: null, replayUrl: null }, 'slow', 'x')).toBe(
      'Job (no job id) on `x` completed, at 2026-12-01T10:00:00.000Z. [event](https://ph.test/e/1)',
    );
  });
});
