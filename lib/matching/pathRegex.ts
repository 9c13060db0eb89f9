/**
 * The regexes of URL rules, run in linear time. A rule's regex runs on the page's main thread at
 * every navigation of an enabled site, on a path the page (or a link) chooses, so JavaScript's
 * backtracking engine is not used: `^/(\w|\d)+$` on 30 characters takes it seconds. Instead:
 *
 * - the rule language is JavaScript's regex syntax (`u` flag) without what only backtracking can do:
 *   backreferences, lookahead and lookbehind, Unicode property escapes are refused;
 * - what is left is compiled to a small program (at most MAX_PROGRAM instructions) and run as a Pike VM
 *   (Thompson's NFA simulation with thread priorities): each step of the path advances every live
 *   thread once, and no two threads share an instruction at one position, so a match costs at most
 *   (path length + 1) × 2 × program size steps, whatever the regex or the path;
 * - threads keep JavaScript's priority order (leftmost match; greedy or lazy as written; alternatives
 *   left to right) and its rule that a repeated group's captures start empty at each repetition, so a
 *   rule captures what RegExp.prototype.exec would (pathRegex.test.ts compares the two).
 *
 * Plain code, no imports: it ships in the content script.
 */

/** Largest program a rule may compile to: bounds the work per path character. */
export const MAX_PROGRAM = 600;
export const MAX_REGEX_LENGTH = 300;

/** A compiled rule: the text its `tool` group (else its first group) captured, '' or undefined when it took none, null when the path does not match. */
export interface PathRegex {
  exec(path: string, stats?: { steps: number }): { capture: string | undefined } | null;
  /** Instructions in the program: the work per path character is at most twice this. */
  readonly size: number;
}

type Ranges = number[]; // sorted, disjoint [lo, hi] pairs of code points
type Node =
  | { t: 'set'; ranges: Ranges }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; min: number; max: number; greedy: boolean; node: Node }
  | { t: 'group'; index: number | null; node: Node }
  | { t: 'assert'; kind: Assertion };
type Assertion = 'bol' | 'eol' | 'word' | 'nonword';

const MAX_CP = 0x10ffff;
const DIGIT: Ranges = [48, 57];
const WORD: Ranges = [48, 57, 65, 90, 95, 95, 97, 122];
const SPACE: Ranges = [9, 13, 32, 32, 160, 160, 5760, 5760, 8192, 8202, 8232, 8233, 8239, 8239, 8287, 8287, 12288, 12288, 65279, 65279];
const LINE_TERMINATORS: Ranges = [10, 10, 13, 13, 8232, 8233];

function normalize(ranges: Ranges): Ranges {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < ranges.length; i += 2) pairs.push([ranges[i]!, ranges[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of pairs) {
    if (out.length && lo <= out[out.length - 1]! + 1) out[out.length - 1] = Math.max(out[out.length - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

function complement(ranges: Ranges): Ranges {
  const sorted = normalize(ranges);
  const out: Ranges = [];
  let next = 0;
  for (let i = 0; i < sorted.length; i += 2) {
    if (sorted[i]! > next) out.push(next, sorted[i]! - 1);
    next = sorted[i + 1]! + 1;
  }
  if (next <= MAX_CP) out.push(next, MAX_CP);
  return out;
}

function inRanges(ranges: Ranges, cp: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) {
    if (cp < ranges[i]!) return false;
    if (cp <= ranges[i + 1]!) return true;
  }
  return false;
}

class Refused extends Error {}

/** Parses what `new RegExp(source, 'u')` accepted; refuses what a linear engine cannot run. */
function parse(source: string): { node: Node; groups: number; toolGroup: number | null } {
  const cps = Array.from(source, (c) => c.codePointAt(0)!);
  let i = 0;
  let groups = 0;
  let toolGroup: number | null = null;
  const peek = (k = 0) => cps[i + k];
  const is = (ch: string, k = 0) => cps[i + k] === ch.codePointAt(0);
  const hex = (count: number) => {
    const text = String.fromCodePoint(...cps.slice(i, i + count));
    i += count;
    return parseInt(text, 16);
  };

  /** After a backslash: a set of code points, or an assertion (outside classes). */
  function escape(inClass: boolean): Ranges | Assertion {
    const c = String.fromCodePoint(cps[i++]!);
    switch (c) {
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 'b':
        return inClass ? [8, 8] : 'word';
      case 'B':
        return 'nonword';
      case 't':
        return [9, 9];
      case 'n':
        return [10, 10];
      case 'v':
        return [11, 11];
      case 'f':
        return [12, 12];
      case 'r':
        return [13, 13];
      case '0':
        return [0, 0];
      case 'c': {
        const v = cps[i++]! % 32;
        return [v, v];
      }
      case 'x': {
        const v = hex(2);
        return [v, v];
      }
      case 'u': {
        let v: number;
        if (is('{')) {
          i++;
          let end = i;
          while (!(cps[end] === 125)) end++;
          v = hex(end - i);
          i++;
        } else {
          v = hex(4);
          // A surrogate pair written as two escapes is one code point.
          if (v >= 0xd800 && v <= 0xdbff && is('\\') && is('u', 1) && !is('{', 2)) {
            const low = parseInt(String.fromCodePoint(...cps.slice(i + 2, i + 6)), 16);
            if (low >= 0xdc00 && low <= 0xdfff) {
              i += 6;
              v = 0x10000 + ((v - 0xd800) << 10) + (low - 0xdc00);
            }
          }
        }
        return [v, v];
      }
      case 'p':
      case 'P':
        throw new Refused('Unicode property escapes (\\p{…}) are not allowed in URL rules');
      case 'k':
        throw new Refused('Backreferences are not allowed');
      default:
        if (c >= '1' && c <= '9') throw new Refused('Backreferences are not allowed');
        return [c.codePointAt(0)!, c.codePointAt(0)!]; // \. \/ \- \[ …: the character itself
    }
  }

  function classAtom(): Ranges {
    if (is('\\')) {
      i++;
      return escape(true) as Ranges;
    }
    const cp = cps[i++]!;
    return [cp, cp];
  }

  function charClass(): Ranges {
    i++; // [
    const negated = is('^');
    if (negated) i++;
    let ranges: Ranges = [];
    while (!is(']')) {
      const from = classAtom();
      if (is('-') && !is(']', 1) && from.length === 2 && from[0] === from[1]) {
        i++;
        const to = classAtom();
        ranges.push(from[0]!, to[1]!);
      } else {
        ranges.push(...from);
      }
    }
    i++; // ]
    ranges = normalize(ranges);
    return negated ? complement(ranges) : ranges;
  }

  function atom(): Node {
    const c = String.fromCodePoint(peek()!);
    if (c === '^') return (i++, { t: 'assert', kind: 'bol' });
    if (c === '$') return (i++, { t: 'assert', kind: 'eol' });
    if (c === '.') return (i++, { t: 'set', ranges: complement(LINE_TERMINATORS) });
    if (c === '[') return { t: 'set', ranges: charClass() };
    if (c === '\\') {
      i++;
      const e = escape(false);
      return typeof e === 'string' ? { t: 'assert', kind: e } : { t: 'set', ranges: normalize(e) };
    }
    if (c === '(') {
      i++;
      let index: number | null = null;
      if (is('?')) {
        if (is(':', 1)) i += 2;
        else if (is('<', 1) && !is('=', 2) && !is('!', 2)) {
          i += 2;
          let name = '';
          while (!is('>')) name += String.fromCodePoint(cps[i++]!);
          i++;
          index = ++groups;
          if (name.includes('\\')) throw new Refused('Write group names without escapes');
          if (name === 'tool' && toolGroup !== null) throw new Refused('Name one group tool');
          if (name === 'tool') toolGroup = index;
        } else throw new Refused('Lookahead and lookbehind are not allowed in URL rules');
      } else index = ++groups;
      const node = alternation();
      i++; // )
      return { t: 'group', index, node };
    }
    i++;
    return { t: 'set', ranges: [peek(-1)!, peek(-1)!] };
  }

  function quantified(): Node {
    const node = atom();
    let min: number;
    let max: number;
    if (is('*')) [min, max] = [0, Infinity];
    else if (is('+')) [min, max] = [1, Infinity];
    else if (is('?')) [min, max] = [0, 1];
    else if (is('{')) {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(String.fromCodePoint(...cps.slice(i, i + 24)));
      if (!m) return node; // `new RegExp(…, 'u')` has refused a lone {
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      i += m[0].length - 1;
    } else return node;
    i++;
    const greedy = !is('?');
    if (!greedy) i++;
    if (min > MAX_PROGRAM || (max !== Infinity && max > MAX_PROGRAM)) throw new Refused(`Repeat counts above ${MAX_PROGRAM} are not allowed in URL rules`);
    return { t: 'rep', min, max, greedy, node };
  }

  function sequence(): Node {
    const items: Node[] = [];
    while (i < cps.length && !is('|') && !is(')')) items.push(quantified());
    return { t: 'cat', items };
  }

  function alternation(): Node {
    const items = [sequence()];
    while (is('|')) {
      i++;
      items.push(sequence());
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }

  const node = alternation();
  return { node, groups, toolGroup };
}

// --- the program ---------------------------------------------------------------------------

const CHAR = 0;
const SPLIT = 1; // x first, then y
const JMP = 2;
const SAVE = 3; // slot x := position
const CLEAR = 4; // slots in `slots` := unset
const ASSERT = 5;
const MATCH = 6;
type Inst = { op: number; x: number; y: number; ranges?: Ranges; slots?: number[]; kind?: Assertion };

/** Instructions a node compiles to (without emitting them), to refuse a rule before building it. */
function sizeOf(node: Node): number {
  switch (node.t) {
    case 'set':
    case 'assert':
      return 1;
    case 'cat':
      return node.items.reduce((s, n) => s + sizeOf(n), 0);
    case 'alt':
      return node.items.reduce((s, n) => s + sizeOf(n) + 2, 0);
    case 'group':
      return sizeOf(node.node) + 2;
    case 'rep': {
      const body = sizeOf(node.node) + 1;
      return node.max === Infinity ? node.min * body + body + 2 : node.min * body + (node.max - node.min) * (body + 1);
    }
  }
}

function compile(node: Node, slotOf: (group: number) => number[]): Inst[] {
  const prog: Inst[] = [];
  const emit = (inst: Inst) => prog.push(inst) - 1;
  const slotsIn = (n: Node): number[] =>
    n.t === 'group'
      ? [...(n.index !== null ? slotOf(n.index) : []), ...slotsIn(n.node)]
      : n.t === 'cat' || n.t === 'alt'
        ? n.items.flatMap(slotsIn)
        : n.t === 'rep'
          ? slotsIn(n.node)
          : [];

  function gen(n: Node): void {
    switch (n.t) {
      case 'set':
        emit({ op: CHAR, x: 0, y: 0, ranges: n.ranges });
        return;
      case 'assert':
        emit({ op: ASSERT, x: 0, y: 0, kind: n.kind });
        return;
      case 'cat':
        for (const item of n.items) gen(item);
        return;
      case 'alt': {
        const jumps: number[] = [];
        n.items.forEach((item, k) => {
          if (k < n.items.length - 1) {
            const split = emit({ op: SPLIT, x: 0, y: 0 });
            prog[split]!.x = prog.length;
            gen(item);
            jumps.push(emit({ op: JMP, x: 0, y: 0 }));
            prog[split]!.y = prog.length;
          } else gen(item);
        });
        for (const j of jumps) prog[j]!.x = prog.length;
        return;
      }
      case 'group': {
        const slots = n.index !== null ? slotOf(n.index) : [];
        if (slots.length) emit({ op: SAVE, x: slots[0]!, y: 0 });
        gen(n.node);
        if (slots.length) emit({ op: SAVE, x: slots[1]!, y: 0 });
        return;
      }
      case 'rep': {
        // JavaScript empties a repeated group's captures at the start of each repetition.
        const inner = slotsIn(n.node);
        const body = () => {
          if (inner.length) emit({ op: CLEAR, x: 0, y: 0, slots: inner });
          gen(n.node);
        };
        for (let k = 0; k < n.min; k++) body();
        if (n.max === Infinity) {
          const loop = emit({ op: SPLIT, x: 0, y: 0 });
          const start = prog.length;
          body();
          emit({ op: JMP, x: loop, y: 0 });
          const after = prog.length;
          Object.assign(prog[loop]!, n.greedy ? { x: start, y: after } : { x: after, y: start });
        } else {
          const splits: number[] = [];
          for (let k = n.min; k < n.max; k++) {
            splits.push(emit({ op: SPLIT, x: 0, y: 0 }));
            body();
          }
          const after = prog.length;
          for (const s of splits) Object.assign(prog[s]!, n.greedy ? { x: s + 1, y: after } : { x: after, y: s + 1 });
        }
        return;
      }
    }
  }
  gen(node);
  emit({ op: MATCH, x: 0, y: 0 });
  return prog;
}

const isWord = (cp: number | undefined) => cp !== undefined && inRanges(WORD, cp);

/** Runs the program over the path's code points: leftmost match, threads in JavaScript's priority order. */
function run(prog: Inst[], input: number[], stats?: { steps: number }): number[] | null {
  const n = input.length;
  const size = prog.length;
  const mark = new Int32Array(size).fill(-1);
  // Threads as parallel arrays (program counter, captures): no object per step.
  let cpc = new Int32Array(size);
  let ccaps: number[][] = new Array(size);
  let ccount = 0;
  let npc = new Int32Array(size);
  let ncaps: number[][] = new Array(size);
  let ncount = 0;
  const spc = new Int32Array(size * 2 + 2);
  const scaps: number[][] = new Array(size * 2 + 2);
  let matched: number[] | null = null;
  let steps = 0;

  /** Follows jumps, splits, saves and assertions at `pos`, in priority order, adding the threads that wait for a character or match. */
  function add(toNext: boolean, pc0: number, caps0: number[], pos: number) {
    let top = 0;
    spc[top] = pc0;
    scaps[top++] = caps0;
    while (top) {
      const pc = spc[--top]!;
      const caps = scaps[top]!;
      if (mark[pc] === pos) continue;
      mark[pc] = pos;
      steps++;
      const inst = prog[pc]!;
      switch (inst.op) {
        case JMP:
          spc[top] = inst.x;
          scaps[top++] = caps;
          break;
        case SPLIT:
          spc[top] = inst.y;
          scaps[top++] = caps;
          spc[top] = inst.x;
          scaps[top++] = caps;
          break;
        case SAVE: {
          const next = caps.slice();
          next[inst.x] = pos;
          spc[top] = pc + 1;
          scaps[top++] = next;
          break;
        }
        case CLEAR: {
          const next = caps.slice();
          for (const slot of inst.slots!) next[slot] = -1;
          spc[top] = pc + 1;
          scaps[top++] = next;
          break;
        }
        case ASSERT: {
          const k = inst.kind;
          const ok = k === 'bol' ? pos === 0 : k === 'eol' ? pos === n : (isWord(input[pos - 1]) !== isWord(input[pos])) === (k === 'word');
          if (ok) {
            spc[top] = pc + 1;
            scaps[top++] = caps;
          }
          break;
        }
        default:
          if (toNext) {
            npc[ncount] = pc;
            ncaps[ncount++] = caps;
          } else {
            cpc[ccount] = pc;
            ccaps[ccount++] = caps;
          }
      }
    }
  }

  const none = [-1, -1, -1, -1];
  for (let pos = 0; pos <= n; pos++) {
    // A new start at each position, after every thread already running: the leftmost match wins.
    if (matched === null) add(false, 0, none, pos);
    else if (!ccount) break;
    for (let t = 0; t < ccount; t++) {
      steps++;
      const inst = prog[cpc[t]!]!;
      if (inst.op === MATCH) {
        matched = ccaps[t]!;
        break; // threads after this one have lower priority
      }
      if (pos < n && inRanges(inst.ranges!, input[pos]!)) add(true, cpc[t]! + 1, ccaps[t]!, pos + 1);
    }
    [cpc, npc] = [npc, cpc];
    [ccaps, ncaps] = [ncaps, ccaps];
    ccount = ncount;
    ncount = 0;
  }
  if (stats) stats.steps += steps;
  return matched;
}

/** A URL rule's regex, compiled to run in linear time; or why it is refused. */
export function compilePathRegex(source: string): PathRegex | string {
  if (source.length > MAX_REGEX_LENGTH) return `Keep the regex under ${MAX_REGEX_LENGTH} characters`;
  // JavaScript's own verdict on the syntax first: the parser below only reads what it accepts.
  try {
    new RegExp(source, 'u');
  } catch (error) {
    return `Not a valid regex: ${(error as Error).message}`;
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (error) {
    if (error instanceof Refused) return error.message;
    return `Not a valid regex: ${(error as Error).message}`;
  }
  if (sizeOf(parsed.node) > MAX_PROGRAM) return `This regex is too large for a URL rule (more than ${MAX_PROGRAM} steps per character): simplify it`;
  // Slots 0–1: the `tool` group; 2–3: group 1 (what exec's `groups.tool ?? [1]` reads).
  const { toolGroup } = parsed;
  const slotOf = (group: number) => (group === toolGroup ? [0, 1] : group === 1 ? [2, 3] : []);
  const prog = compile(parsed.node, slotOf);
  if (prog.length > MAX_PROGRAM) return `This regex is too large for a URL rule (more than ${MAX_PROGRAM} steps per character): simplify it`;
  return {
    size: prog.length,
    exec(path, stats) {
      const input = Array.from(path, (c) => c.codePointAt(0)!);
      const caps = run(prog, input, stats);
      if (!caps) return null;
      const text = (a: number, b: number) => (a >= 0 && b >= 0 ? String.fromCodePoint(...input.slice(a, b)) : undefined);
      const tool = toolGroup !== null ? text(caps[0]!, caps[1]!) : undefined;
      const first = toolGroup === 1 ? tool : text(caps[2]!, caps[3]!);
      return { capture: tool ?? first };
    },
  };
}
