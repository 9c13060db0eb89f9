/** The local server's annotations, as PostHog serves them (posthog/api/annotation.py), read by the extension's fetchAnnotations. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPostHog, type LocalPostHog } from './server';
import { createPostHogClient } from '../lib/posthog/client';
import { fetchAnnotations } from '../lib/project/annotations';

let ph: LocalPostHog;
const NO_ANNOTATIONS = 'phx_no_annotation_scope';
beforeAll(async () => {
  ph = await startLocalPostHog({ apiKeys: [{ key: NO_ANNOTATIONS, scopes: ['query:read', 'project:read'] }] });
});
afterAll(() => ph?.close());

const api = (path: string, init: RequestInit = {}, key = ph.apiKey) =>
  fetch(`${ph.url}/api/projects/${ph.projectId}/${path}`, { ...init, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' } });

describe('annotations', () => {
  it('lists in pages of results, newest first, and creates', async () => {
    const made = await api('annotations/', {
      method: 'POST',
      body: JSON.stringify({ content: 'Switched <b>queue</b>', date_marker: new Date(Date.now() - 3_600_000).toISOString() }),
    });
    expect(made.status).toBe(200);
    const page = (await (await api('annotations/')).json()) as {
      count: number;
      next: null;
      results: Array<{ content: string; date_marker: string; scope: string; creation_type: string }>;
    };
    expect(page.count).toBe(3);
    expect(page.results[0]).toMatchObject({ content: 'Switched <b>queue</b>', scope: 'project', creation_type: 'USR' });
    const markers = page.results.map((r) => r.date_marker);
    expect(markers).toEqual([...markers].sort().reverse());
    const bad = await api('annotations/', { method: 'POST', body: JSON.stringify({ content: 'x', date_marker: 'yesterday' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: 'validation_error', attr: 'date_marker' });
  });

  it('filters as PostHog does: date_from/date_to on the marker, search in the content, a checked scope; pages link on', async () => {
    const list = async (query: string) =>
      ((await (await api(`annotations/?${query}`)).json()) as { results: Array<{ content: string }>; next: string | null }).results.map((r) => r.content);
    const sixDaysAgo = new Date(Date.now() - 6 * 86_400_000).toISOString();
    expect(await list(`date_from=${sixDaysAgo}`)).toEqual(['Switched <b>queue</b>', 'Deployed OCR engine v2 (pdf-to-text, news-analyzer)']);
    expect(await list(`date_to=${sixDaysAgo}`)).toEqual(['Upstream storage incident: uploads slow for 2 h']);
    expect(await list('search=OCR')).toEqual(['Deployed OCR engine v2 (pdf-to-text, news-analyzer)']);
    expect(await list('scope=insight')).toEqual([]);
    const badScope = await api('annotations/?scope=everything');
    expect(badScope.status).toBe(400);
    expect(((await badScope.json()) as { detail: string }).detail).toBe('Invalid scope: everything');
    const backwards = await api(`annotations/?date_from=${new Date().toISOString()}&date_to=${sixDaysAgo}`);
    expect(((await backwards.json()) as { detail: string }).detail).toBe('Invalid date range: date_from must be before date_to');
    const first = (await (await api('annotations/?limit=2')).json()) as { results: unknown[]; next: string | null };
    expect(first.results).toHaveLength(2);
    expect(first.next).toBe(`${ph.url}/api/projects/${ph.projectId}/annotations/?limit=2&offset=2`);
  });

  it("answers 403 naming annotation:read to a key without it (PostHog's scope_object)", async () => {
    const res = await api('annotations/', {}, NO_ANNOTATIONS);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toBe("API key missing required scope 'annotation:read'");
  });

  it('gives the card the ones in its range, oldest first, as text', async () => {
    const client = createPostHogClient({ baseUrl: ph.url, projectId: String(ph.projectId), apiKey: ph.apiKey });
    const week = await fetchAnnotations(client, Date.now() - 7 * 86_400_000, Date.now());
    expect(week.map((a) => a.content)).toEqual(['Deployed OCR engine v2 (pdf-to-text, news-analyzer)', 'Switched <b>queue</b>']);
    expect((await fetchAnnotations(client, Date.now() - 30 * 86_400_000, Date.now())).length).toBe(3);
  });
});
