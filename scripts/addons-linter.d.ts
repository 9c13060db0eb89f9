/** The part of addons-linter's API that scripts/zip.ts uses (the package ships no types). */
declare module 'addons-linter' {
  const addonsLinter: {
    createInstance(options: { config: Record<string, unknown>; runAsBinary: boolean }): { run(): Promise<unknown> };
  };
  export default addonsLinter;
}
