import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { placesBySource, sourceName } from './sourcePlaces';

const dir = mkdtempSync(join(tmpdir(), 'tool-lens-places-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// card.js: line 1 from components/card/Card.tsx line 10 (named `render`), line 2 from Preact's bundle line 1.
writeFileSync(
  join(dir, 'card.js.map'),
  JSON.stringify({
    version: 3,
    file: 'card.js',
    sources: ['../../components/card/Card.tsx', '../../node_modules/preact/dist/preact.mjs'],
    names: ['render'],
    mappings: 'AASAA;ACTA',
  }),
);

describe('the sampled JavaScript by source', () => {
  it('names project files by their path and packages by their name', () => {
    expect(sourceName('../../components/card/CardOverview.tsx')).toBe('components/card/CardOverview.tsx');
    expect(sourceName('../../node_modules/preact/hooks/dist/hooks.mjs')).toBe('preact');
    expect(sourceName('../../node_modules/@wxt-dev/browser/src/index.mjs')).toBe('@wxt-dev/browser');
  });

  it("adds up samples by the source the build's map names, per run, and keeps a script without a map as built", () => {
    const { sources, functions } = placesBySource(
      [
        { file: 'card.js', line: 1, column: 1, outside: null, ms: 4 },
        { file: 'card.js', line: 2, column: 1, outside: 'createElementNS', ms: 6 },
        { file: 'card.js', line: 2, column: 1, outside: null, ms: 2 },
        { file: 'matcher.js', line: 1, column: 22, outside: null, ms: 1 },
      ],
      dir,
      2,
    );
    expect(sources).toEqual([
      { source: 'preact', ms: 4 },
      { source: 'components/card/Card.tsx', ms: 2 },
      { source: 'matcher.js (built)', ms: 0.5 },
    ]);
    expect(functions).toEqual([
      { where: 'preact:1 → createElementNS', ms: 3 },
      { where: 'components/card/Card.tsx:10 render', ms: 2 },
      { where: 'preact:1', ms: 1 },
      { where: 'matcher.js 1:22', ms: 0.5 },
    ]);
  });
});
