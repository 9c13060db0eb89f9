/**
 * A Vite plugin: Preact's renderer without its one innerHTML assignment, the one behind
 * `dangerouslySetInnerHTML`. Tool Lens renders page and PostHog content as text only, so the prop is
 * never used; with this, using it by mistake throws instead of parsing HTML, and Mozilla's
 * addons-linter has no UNSAFE_VAR_ASSIGNMENT to report.
 */
import type { Plugin } from 'vite';

const ASSIGNMENT = /\((\w+)\.innerHTML=(\w+)\.__html\)/g;
export const REFUSAL = 'Tool Lens renders text only: dangerouslySetInnerHTML is not supported';

export function withoutInnerHtml(code: string): { code: string; replaced: number } {
  let replaced = 0;
  const out = code.replace(ASSIGNMENT, () => {
    replaced++;
    return `(()=>{throw new Error(${JSON.stringify(REFUSAL)})})()`;
  });
  return { code: out, replaced };
}

export function textOnlyPreact(): Plugin {
  return {
    name: 'tool-lens:text-only-preact',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]node_modules[\\/]preact[\\/]dist[\\/]preact\.mjs$/.test(id)) return null;
      const { code: out, replaced } = withoutInnerHtml(code);
      // Preact changed: fail the build rather than ship an unreviewed innerHTML.
      if (replaced !== 1) this.error(`expected one innerHTML assignment in ${id}, found ${replaced}`);
      return { code: out, map: null };
    },
  };
}
