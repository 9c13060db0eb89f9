import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { newSite, type Site } from '../../lib/matching/toolMatch';
import { rulesToText, SitesEditor, textToRules } from './SitesEditor';

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
    expect(errors).toEqual([
      expect.stringMatching(/^line 1: .*:tool/),
      expect.stringMatching(/^line 2: Lookahead and lookbehind are not allowed/),
      'line 3: a mapping is written value=tool',
    ]);
  });
});

describe("a site's project", () => {
  it("names a project of its own, refuses one that is not a number, and goes back to the connection's when emptied", async () => {
    const host = document.createElement('div');
    document.body.append(host);
    const changes: Site[][] = [];
    const onChange = vi.fn(async (sites: Site[]) => {
      changes.push(sites);
      return null;
    });
    const site = newSite('https://staging.example.com');
    const mount = (sites: Site[]) =>
      act(() => render(<SitesEditor sites={sites} autoMap={null} onChange={onChange} onRefreshAutoMap={async () => ''} />, host));
    mount([site]);
    const input = () => host.querySelector<HTMLInputElement>('#project-https---staging-example-com')!;
    const type = (value: string) =>
      act(() => {
        input().value = value;
        input().dispatchEvent(new Event('change'));
      });
    await type('12346');
    expect(changes.at(-1)).toEqual([{ ...site, project: '12346' }]);
    await type('staging');
    expect(changes).toHaveLength(1);
    expect(host.textContent).toContain('A project id is a number');
    mount([{ ...site, project: '12346' }]);
    await type('');
    expect(changes.at(-1)).toEqual([site]);
    render(null, host);
    host.remove();
  });
});
