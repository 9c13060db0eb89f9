/**
 * The sample tool site: the "product" of the demo. Each tool page is instrumented with the real
 * posthog-js, pointed at the local PostHog server, and sends the six tool events as a person uses it.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ERROR_TYPES, SAMPLE_TOOLS, type SampleTool } from './tools';

export interface SampleSite {
  url: string;
  close(): Promise<void>;
}

export interface SampleSiteOptions {
  postHogUrl: string;
  projectApiKey: string;
  port?: number;
  host?: string;
}

const require = createRequire(import.meta.url);
const POSTHOG_JS = require.resolve('posthog-js/dist/array.full.js');
const APP_JS = fileURLToPath(new URL('./public/app.js', import.meta.url));
const STYLE_CSS = fileURLToPath(new URL('./public/site.css', import.meta.url));

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function layout(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Toolbox</title><link rel="stylesheet" href="/static/site.css">${head}</head>
<body><header class="site"><a href="/" class="brand">Toolbox</a><nav>${SAMPLE_TOOLS.map(
    (t) => `<a href="/tools/${t.slug}">${escapeHtml(t.title)}</a>`,
  ).join('')}<a href="/about">About</a></nav></header><main>${body}</main></body></html>`;
}

function toolPage(tool: SampleTool, options: SampleSiteOptions): string {
  // JSON in a script tag: escape "<" so no value can close the tag.
  const config = JSON.stringify({ tool: tool.slug, postHogUrl: options.postHogUrl, projectApiKey: options.projectApiKey, errorTypes: ERROR_TYPES }).replace(/</g, '\\u003c');
  // The PDF tool also carries the page marker, as a product with unusual URLs would.
  const marker = tool.slug === 'pdf-to-text' ? `<meta name="tool-lens:tool" content="${tool.slug}">` : '';
  return layout(
    tool.title,
    `<h1>${escapeHtml(tool.title)}</h1><p class="blurb">${escapeHtml(tool.blurb)}</p>
<section class="panel">
  <label>1. Choose a file <input type="file" id="file" accept="${escapeHtml(tool.accept)}"></label>
  <button id="sample">…or use a sample file</button>
  <label class="inline"><input type="checkbox" id="fail"> Make processing fail with
    <select id="error-type">${ERROR_TYPES.map((e) => `<option>${e}</option>`).join('')}</select></label>
  <button id="process" disabled>2. Process</button>
  <label>3. Download as <select id="format">${tool.formats.map((f) => `<option>${f}</option>`).join('')}</select></label>
  <button id="download" disabled>Download</button>
  <p id="status" role="status">Ready.</p>
</section>
<h2>Events sent to PostHog</h2><ol id="log" class="log"></ol>
<script id="tool-config" type="application/json">${config}</script>
<script src="/vendor/posthog.js"></script><script src="/static/app.js"></script>`,
    marker,
  );
}

function indexPage(): string {
  return layout(
    'Tools',
    `<h1>Toolbox</h1><p>Small tools that do one thing well.</p><ul class="cards">${SAMPLE_TOOLS.map(
      (t) => `<li><a href="/tools/${t.slug}"><strong>${escapeHtml(t.title)}</strong><span>${escapeHtml(t.blurb)}</span></a></li>`,
    ).join('')}</ul>`,
  );
}

export async function startSampleSite(options: SampleSiteOptions): Promise<SampleSite> {
  const files = {
    '/vendor/posthog.js': { path: POSTHOG_JS, type: 'text/javascript' },
    '/static/app.js': { path: APP_JS, type: 'text/javascript' },
    '/static/site.css': { path: STYLE_CSS, type: 'text/css' },
  } as const;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    const file = files[path as keyof typeof files];
    if (file) return send(200, file.type, await readFile(file.path));
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    if (path === '/' || path === '/about') {
      return send(200, 'text/html', path === '/' ? indexPage() : layout('About', '<h1>About</h1><p>Not a tool page: Tool Lens shows nothing here.</p>'));
    }
    const toolMatch = /^\/tools\/([^/]+)\/?$/.exec(path);
    const tool = SAMPLE_TOOLS.find((t) => t.slug === toolMatch?.[1]);
    if (tool) return send(200, 'text/html', toolPage(tool, options));
    send(404, 'text/html', layout('Not found', '<h1>Not found</h1>'));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
