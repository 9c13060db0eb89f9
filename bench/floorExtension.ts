/**
 * The floor under the page-cost goals: an extension that does nothing, written for the bench
 * (bench/browser.ts --only floor) and measured beside Tool Lens in the same runs. What it costs a
 * page is what any extension pays for running there at all, whatever its code:
 * - a content script of one statement at `document_end` on the sample site (as Tool Lens's watcher
 *   runs on a page that names no tool): the isolated world the browser sets up for it, and its compile;
 * - an extension page of static HTML holding the popup's ready element: the browser opening an
 *   extension page and parsing it, with no script; and the same element added by one module script of
 *   one line, the least a page whose content depends on anything pays on top.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The floor's pages, under the extension's origin. */
export const FLOOR_STATIC_PAGE = 'static.html';
export const FLOOR_MODULE_PAGE = 'module.html';

/**
 * Writes the floor extension into `dir` (which must exist), its content script on every page of
 * `origin`'s host (match patterns carry no port) and its pages showing `readySelector`'s element:
 * a `[data-testid="…"]` attribute selector.
 */
export async function writeFloorExtension(dir: string, origin: string, readySelector: string): Promise<void> {
  const testId = /^\[data-testid="([\w-]+)"\]$/.exec(readySelector)?.[1];
  if (!testId) throw new Error(`The floor pages can show a [data-testid="…"] element only, not ${readySelector}`);
  const { protocol, hostname } = new URL(origin);
  const manifest = {
    manifest_version: 3,
    name: 'Page-cost floor (bench)',
    version: '1.0.0',
    // launchWithExtension finds an extension by its worker.
    background: { service_worker: 'worker.js' },
    content_scripts: [{ matches: [`${protocol}//${hostname}/*`], js: ['floor.js'], run_at: 'document_end' }],
  };
  const page = (body: string) =>
    `<!DOCTYPE html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8">\n    <title>Floor</title>\n  </head>\n  <body>\n${body}\n  </body>\n</html>\n`;
  await mkdir(dir, { recursive: true });
  await Promise.all([
    writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2)),
    writeFile(join(dir, 'worker.js'), '// The floor does nothing.\n'),
    writeFile(join(dir, 'floor.js'), 'void 0;\n'),
    writeFile(join(dir, FLOOR_STATIC_PAGE), page(`    <p data-testid="${testId}">Connected</p>`)),
    writeFile(join(dir, FLOOR_MODULE_PAGE), page('    <script type="module" src="/module.js"></script>')),
    writeFile(
      join(dir, 'module.js'),
      `const p = document.createElement('p');\np.dataset.testid = ${JSON.stringify(testId)};\np.textContent = 'Connected';\ndocument.body.append(p);\n`,
    ),
  ]);
}
