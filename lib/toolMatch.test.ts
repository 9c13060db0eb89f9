import { describe, expect, it } from 'vitest';
import { matchTool, toolFromPath } from './toolMatch';

describe('matchTool', () => {
  it('finds the tool from /tools/:tool', () => {
    expect(matchTool('http://127.0.0.1:8020/tools/news-analyzer', null)).toEqual({ tool: 'news-analyzer', rule: 'url' });
    expect(matchTool('https://example.com/tools/pdf-to-text/?x=1#top', null)).toEqual({ tool: 'pdf-to-text', rule: 'url' });
    expect(matchTool('https://example.com/tools/pdf-to-text/history', null)?.tool).toBe('pdf-to-text');
  });

  it('prefers the page marker over the URL', () => {
    expect(matchTool('https://example.com/tools/pdf2txt', ' pdf-to-text ')).toEqual({ tool: 'pdf-to-text', rule: 'marker' });
  });

  it('ignores an unusable marker and falls back to the URL', () => {
    expect(matchTool('https://example.com/tools/a', '<img src=x onerror=alert(1)>')).toEqual({ tool: 'a', rule: 'url' });
    expect(matchTool('https://example.com/tools/a', '   ')).toEqual({ tool: 'a', rule: 'url' });
  });

  it('answers null on pages that are not tool pages', () => {
    expect(matchTool('https://example.com/', null)).toBeNull();
    expect(matchTool('https://example.com/about', null)).toBeNull();
    expect(matchTool('https://example.com/tools/', null)).toBeNull();
    expect(matchTool('not a url', null)).toBeNull();
  });

  it('decodes percent-encoding and rejects what is not a tool name', () => {
    expect(toolFromPath('/tools/caf%C3%A9')).toBe('café');
    expect(toolFromPath('/tools/%E0%A4%A')).toBeNull();
    expect(toolFromPath('/tools/a%22%3E%3Cscript%3E')).toBeNull();
    expect(toolFromPath(`/tools/${'x'.repeat(101)}`)).toBeNull();
  });

  it('stays fast and null on a huge path', () => {
    expect(toolFromPath(`/${'a/'.repeat(200_000)}`)).toBeNull();
  });
});
