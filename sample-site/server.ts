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
  /**
   * For the tests: the pages' posthog.js, a parser-blocking script at the end of `<body>`, is not
   * answered until the returned function is called, so the pages loaded meanwhile stay parsing
   * (no DOMContentLoaded) as long as the test needs.
   */
  holdPageScript(): () => void;
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

/**
 * One shell for every route: the site is a single-page app. The server renders the first view
 * (so a direct load shows the right page at once); app.js takes over navigation with pushState.
 */
function shell(path: string, options: SampleSiteOptions): string {
  const tool = toolFor(path);
  const title = tool ? tool.title : path === '/about' ? 'About' : path === '/' ? 'Tools' : 'Not found';
  // JSON in a script tag: escape "<" so no value can close the tag.
  const config = JSON.stringify({ tools: SAMPLE_TOOLS, postHogUrl: options.postHogUrl, projectApiKey: options.projectApiKey, errorTypes: ERROR_TYPES }).replace(
    /</g,
    '\\u003c',
  );
  // The PDF tool also carries the page marker, as a product with unusual URLs would.
  const marker = tool?.slug === 'pdf-to-text' ? `<meta name="tool-lens:tool" content="${tool.slug}">` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Toolbox</title><link rel="stylesheet" href="/static/site.css">${marker}</head>
<body><header class="site"><a href="/" class="brand" data-link>Toolbox</a><nav>${SAMPLE_TOOLS.map(
    (t) => `<a href="/tools/${t.slug}" data-link>${escapeHtml(t.title)}</a>`,
  ).join('')}<a href="/about" data-link>About</a></nav></header>
<main id="view"></main>
<script id="site-config" type="application/json">${config}</script>
<script src="/vendor/posthog.js"></script><script src="/static/app.js"></script></body></html>`;
}

/**
 * Hostile pages for the tests: each is a tool page (page marker "news-analyzer") that makes life hard
 * for an extension — a strict CSP, CSS that styles every element, a script forging the extension's
 * messages, a script trying to read the card.
 */
const HOSTILE_CSS = `* { all: unset !important; font: italic 31px/3 "Comic Sans MS", serif !important; color: #f0f !important; letter-spacing: 4px !important; }
div, section, p, button, span, h2, ul, li { display: inline !important; background: #ff0 !important; border: 7px dashed #0f0 !important; padding: 13px !important; margin: 9px !important; box-sizing: content-box !important; }
body::before { content: "hostile CSS"; }`;
const FORGE_JS = `(() => {
  const forged = [
    { type: 'tool-metrics/get', tool: 'news-analyzer', range: '7d', refresh: true },
    { type: 'connection/test' },
    { type: 'card/toggle' },
    { type: 'card-prefs/set', origin: location.origin, change: { corner: 'top-left', hidden: true } },
  ];
  const results = { postMessage: 0, runtime: 'absent', errors: [] };
  // Once while the page loads (before any extension code), and again on demand once the card is up.
  const forge = () => {
    for (let i = 0; i < 20; i++) for (const m of forged) { window.postMessage(m, '*'); results.postMessage++; }
    document.dispatchEvent(new CustomEvent('tool-lens:request', { detail: forged[0] }));
    try {
      if (window.chrome && window.chrome.runtime && window.chrome.runtime.sendMessage) {
        results.runtime = 'present';
        window.chrome.runtime.sendMessage(document.documentElement.dataset.extensionId || 'x', forged[0], () => {});
      }
    } catch (e) { results.errors.push(String(e && e.message || e)); }
    return results;
  };
  forge();
  window.__forgeResults = results;
  window.__forgeAgain = forge;
})();`;

/** Tries every way a page script has to read the card: its shadow root, a patched attachShadow, the host's markup, text, events. */
const SPY_JS = `(() => {
  const spy = (window.__spyResults = { attachShadowCalls: [], clicks: [] });
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    spy.attachShadowCalls.push(this.localName);
    return attach.call(this, { ...init, mode: 'open' });
  };
  document.addEventListener('click', (e) => spy.clicks.push(e.composedPath().map((n) => n.nodeName || String(n))), true);
  window.__spy = () => {
    const host = document.querySelector('tool-lens-card');
    let attachAgain = 'allowed';
    try { attach.call(host, { mode: 'open' }); } catch (e) { attachAgain = e.name; }
    return {
      ...spy,
      host: !!host,
      shadowRoot: host ? String(host.shadowRoot) : 'no host',
      innerHTML: host ? host.innerHTML : '',
      childCount: host ? host.childNodes.length : -1,
      attachAgain,
      bodyText: document.body.innerText,
    };
  };
})();`;

function hostilePage(kind: 'csp' | 'css' | 'plain' | 'forge' | 'spy'): { html: string; headers: Record<string, string> } {
  const style = kind === 'css' ? `<style>${HOSTILE_CSS}</style>` : '';
  const script = kind === 'forge' ? `<script>${FORGE_JS}</script>` : '';
  // The spy's script is the first thing the page runs, before any extension code.
  const spy = kind === 'spy' ? `<script>${SPY_JS}</script>` : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${spy}<title>Hostile: ${kind}</title><meta name="tool-lens:tool" content="news-analyzer">${style}</head>
<body><div><p>A ${kind} page for Tool Lens tests.</p><button>Page button</button></div>${script}</body></html>`;
  return { html, headers: kind === 'csp' ? { 'Content-Security-Policy': "default-src 'none'" } : {} };
}

function toolFor(path: string): SampleTool | undefined {
  const slug = /^\/tools\/([^/]+)\/?$/.exec(path)?.[1];
  return SAMPLE_TOOLS.find((t) => t.slug === slug);
}

export async function startSampleSite(options: SampleSiteOptions): Promise<SampleSite> {
  const files = {
    '/vendor/posthog.js': { path: POSTHOG_JS, type: 'text/javascript' },
    '/static/app.js': { path: APP_JS, type: 'text/javascript' },
    '/static/site.css': { path: STYLE_CSS, type: 'text/css' },
  } as const;

  let held: Promise<void> | null = null;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/vendor/posthog.js' && held) await held;
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    const file = files[path as keyof typeof files];
    if (file) return send(200, file.type, await readFile(file.path));
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    const hostile = /^\/hostile\/(csp|css|plain|forge|spy)$/.exec(path)?.[1] as 'csp' | 'css' | 'plain' | 'forge' | 'spy' | undefined;
    if (hostile) {
      const page = hostilePage(hostile);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...page.headers });
      return void res.end(page.html);
    }
    const known = path === '/' || path === '/about' || toolFor(path) !== undefined;
    send(known ? 200 : 404, 'text/html', shell(path, options));
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
    holdPageScript: () => {
      let release!: () => void;
      const hold = new Promise<void>((resolve) => (release = resolve));
      held = hold;
      return () => {
        if (held === hold) held = null;
        release();
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
