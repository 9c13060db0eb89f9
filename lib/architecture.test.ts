/**
 * The shape docs/architecture.md describes, checked: imports run one way (no circle, type-only
 * imports included; lib/'s folders in layers, each importing only the ones below it), lib/ knows
 * nothing of screens, and the content script's code never includes what holds or uses the key.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const SOURCE_DIRS = ['lib', 'components', 'entrypoints', 'local-posthog', 'cli', 'sample-site'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return out;
  for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) out.push(rel);
  }
  return out;
}

/** The repository files a file imports (relative specifiers only; packages are not ours). */
function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest);
  const out: string[] = [];
  source.forEachChild((node) => {
    if (!(ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) || !node.moduleSpecifier) return;
    const spec = (node.moduleSpecifier as ts.StringLiteral).text;
    if (!spec.startsWith('.')) return;
    const base = path.join(path.dirname(file), spec);
    const target = [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), path.join(base, 'index.tsx')].find(
      (candidate) => fs.existsSync(path.join(ROOT, candidate)) && fs.statSync(path.join(ROOT, candidate)).isFile(),
    );
    if (target && /\.tsx?$/.test(target)) out.push(target);
  });
  return out;
}

const files = SOURCE_DIRS.flatMap(sourceFiles);

/**
 * lib/'s folders from the bottom up: a folder imports only folders before it in this list. The
 * vocabulary every part speaks is at the bottom, the worker that wires the services at the top.
 */
const LIB_LAYERS = [
  'model', // ranges, figures, failures, alert rules, events and their spellings, PostHog's limits
  'stats', // the statistics behind intervals and tests of change
  'helpers', // formatting, permissions, the lookup page's address
  'matching', // which tool a page is: sites, rules, path patterns
  'settings', // the settings' schema, what a change calls for, import and export
  'protocol', // the messages between contexts
  'storage', // every stored item, declared once
  'policy', // an organisation's policy (managed storage), laid over the settings and sites
  'posthog', // the client, budget, Retry-After, async queries, slots, deep links
  'instrumentation', // detecting a project's events and spellings
  'connection', // one session: settings → client; sign-in; the connection test
  'card', // a tool's figures: query, metrics, cache, sampling
  'project', // the project as a whole: ranking, alerts, dashboards, annotations, auto-mapping
  'support', // a person across every tool
  'onboarding', // the first run: a key's projects, the proposed sites
  'pages', // what the extension's pages share: site access with its permissions, the dashboard port
  'worker', // the handler map and what each browser event calls for
  'testing', // helpers for unit tests only
];
const graph = new Map(files.map((f) => [f, importsOf(f)]));

function closure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const d of graph.get(f) ?? importsOf(f)) visit(d);
  };
  visit(entry);
  return seen;
}

describe('architecture', () => {
  it('finds the source tree', () => {
    expect(files).toContain('lib/protocol/messages.ts');
    expect(files).toContain('entrypoints/background.ts');
    expect(graph.get('entrypoints/background.ts')!.length).toBeGreaterThan(3);
  });

  it('has no import circle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const circles: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        if (state.get(d) === 'open') circles.push([...stack.slice(stack.indexOf(d)), d].join(' → '));
        else if (!state.has(d)) visit(d);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f);
    expect(circles).toEqual([]);
  });

  it("layers lib/'s folders: each imports only folders below it", () => {
    const folders = fs
      .readdirSync(path.join(ROOT, 'lib'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect([...folders].sort(), 'every folder of lib/ has its place in LIB_LAYERS').toEqual([...LIB_LAYERS].sort());
    const rank = (f: string) => LIB_LAYERS.indexOf(f.split('/')[1]!);
    const upward = files
      .filter((f) => f.startsWith('lib/') && f.split('/').length > 2)
      .flatMap((f) =>
        graph
          .get(f)!
          .filter((d) => d.startsWith('lib/') && d.split('/').length > 2 && rank(d) > rank(f))
          .map((d) => `${f} → ${d}`),
      );
    expect(upward).toEqual([]);
  });

  it('keeps lib/ free of screens and entrypoints', () => {
    const wrong = files
      .filter((f) => f.startsWith('lib/'))
      .flatMap((f) =>
        graph
          .get(f)!
          .filter((d) => !d.startsWith('lib/'))
          .map((d) => `${f} → ${d}`),
      );
    expect(wrong).toEqual([]);
  });

  it('keeps components/ presentational: no storage, no PostHog client, no entrypoints', () => {
    const wrong = files
      .filter((f) => f.startsWith('components/'))
      .flatMap((f) =>
        graph
          .get(f)!
          .filter((d) => /^(lib\/storage\/|lib\/posthog\/client|entrypoints\/)/.test(d))
          .map((d) => `${f} → ${d}`),
      );
    expect(wrong).toEqual([]);
  });

  it('names every folder of lib/ and components/ in the README and docs/architecture.md, and no folder that is gone', () => {
    const folders = ['lib', 'components'].flatMap((dir) =>
      fs
        .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => `${dir}/${e.name}`),
    );
    expect(folders).toContain('lib/storage');
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const architecture = fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
    const libSection = readme.slice(readme.indexOf('## How it fits together'));
    for (const folder of folders) {
      const [dir, name] = folder.split('/');
      expect(libSection.includes(`\`${name}/\``) || libSection.includes(`${folder}`), `README names ${folder}`).toBe(true);
      if (dir === 'lib' && name !== 'helpers') expect(architecture, `docs/architecture.md names ${folder}`).toContain(folder);
    }
    for (const named of architecture.matchAll(/\b(lib|components)\/([a-z]+)\//g)) {
      expect(folders, `docs/architecture.md names ${named[0]}, which does not exist`).toContain(`${named[1]}/${named[2]}`);
    }
  });

  it("leaves the key's code out of the content script", () => {
    const entry = files.find((f) => f === 'entrypoints/matcher.ts')!;
    expect(entry).toBeDefined();
    const code = [...closure(entry)];
    // The closure reaches the card script and its way to the worker (so the check below sees them).
    expect(code).toContain('lib/protocol/cardAnswers.ts');
    expect(code.filter((f) => /^lib\/(storage|settings|posthog\/(client|budget|retryAfter))/.test(f))).toEqual([]);
  });
});
