/**
 * The card's early figures (entrypoints/matcher.ts asks for them while the card script loads): how
 * long a card waits for them before it is drawn. Plain code: the matcher carries no zod.
 */
export interface EarlyFigures {
  answer: Promise<unknown>;
  /** Asked for once the figures came and are good (null otherwise). */
  extras: Promise<{ ranking: Promise<unknown>; annotations: Promise<unknown> } | null>;
}

/**
 * How long a card shown on an action (the toggle, an in-app navigation to a tool) waits for its
 * figures, the standing and the annotations before it is drawn. From the worker's cache they come
 * well within it, and the card is then drawn once, with them, instead of a loading state that they
 * replace a few milliseconds later (a second render, style, layout and paint: bench --only draw).
 * Figures the worker must query for show the loading state after it. Under the 0.1 s in which an
 * answer to an action still feels immediate.
 */
export const FIGURES_WAIT_MS = 100;

/** Resolves when the early figures and, if they are good, their extras have come, or after `ms`, whichever is first; never rejects. */
export function figuresWithin(early: EarlyFigures, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((done) => (timer = setTimeout(done, ms)));
  const all = early.answer
    .then(() => early.extras)
    .then((extras) => extras && Promise.all([extras.ranking, extras.annotations]))
    .catch(() => undefined);
  return Promise.race([all, deadline]).then(() => clearTimeout(timer));
}
