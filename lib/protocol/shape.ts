/**
 * Plain-code shape checks: a few combinators with zod's verdicts (an object is a non-array object,
 * a number is finite, an int is safe), built as closures at no cost. The card script checks the
 * worker's answers with them (lib/protocol/cardAnswers.ts) instead of carrying zod into every tool
 * page; the worker has parsed every answer with zod already.
 */
export type Check = (value: unknown) => boolean;

export const str: Check = (v) => typeof v === 'string';
export const bool: Check = (v) => typeof v === 'boolean';
export const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
export const int: Check = (v) => Number.isSafeInteger(v);
/** z.int().check(z.nonnegative()) */
export const count: Check = (v) => int(v) && (v as number) >= 0;
export const numIn =
  (min: number, max: number): Check =>
  (v) =>
    num(v) && (v as number) >= min && (v as number) <= max;
export const strMax =
  (max: number): Check =>
  (v) =>
    str(v) && (v as string).length <= max;

export const literal =
  (value: string | number | boolean): Check =>
  (v) =>
    v === value;
export const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    values.includes(v as string);
export const nullable =
  (check: Check): Check =>
  (v) =>
    v === null || check(v);
/** A key that may be missing (or undefined), as z.optional. */
export const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || check(v);
export const either =
  (...checks: Check[]): Check =>
  (v) =>
    checks.some((c) => c(v));

export const array =
  (item: Check, max = Infinity): Check =>
  (v) => {
    if (!Array.isArray(v) || v.length > max) return false;
    // By index, not every(): every() skips the holes of a sparse array, zod reads them as undefined.
    for (let i = 0; i < v.length; i++) if (!item(v[i])) return false;
    return true;
  };
export const tuple =
  (...items: Check[]): Check =>
  (v) =>
    Array.isArray(v) && v.length === items.length && items.every((c, i) => c(v[i]));
/** Every key of the shape checked; other keys are let through (zod drops them; the card reads none). */
export const object = (shape: Record<string, Check>): Check => {
  const keys = Object.keys(shape);
  return (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && keys.every((k) => shape[k]!((v as Record<string, unknown>)[k]));
};
