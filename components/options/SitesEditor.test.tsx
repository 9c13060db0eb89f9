import { describe, expect, it } from 'vitest';
import { rulesToText, textToRules } from './SitesEditor';

describe('URL rules as text', () => {
  it('parses patterns, regexes and mappings, and writes them back', () => {
    const text = '/tools/:tool\n\n/app/:tool/* => pdf2txt=pdf-to-text, ocr=scanner\nregex:^/t/(?<tool>[a-z-]+)$';
    const { rules, errors } = textToRules(text);
    expect(errors).toEqual([]);
    expect(rules).toEqual([
      { kind: 'pattern', value: '/tools/:tool', map: {} },
      { kind: 'pattern', value: '/app/:tool/*', map: { pdf2txt: 'pdf-to-text', ocr: 'scanner' } },
      { kind: 'regex', value: '^/t/(?<tool>[a-z-]+)$', map: {} },
    ]);
    expect(textToRules(rulesToText(rules)).rules).toEqual(rules);
  });

  it('says which line is wrong and why', () => {
    const { rules, errors } = textToRules('/tools/:name\nregex:^/(?=x)(\\w+)$\n/x/:tool => broken');
    expect(rules).toHaveLength(1);
    expect(errors).toEqual([expect.stringMatching(/^line 1: .*:tool/), expect.stringMatching(/^line 2: Lookahead and lookbehind are not allowed/), 'line 3: a mapping is written value=tool']);
  });
});
