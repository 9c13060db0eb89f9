import { render } from 'preact';
import { CardContainer, type CardApi } from '../components/card/CardContainer';
import { mountClosedShadowHost } from '../components/card/closedShadowHost';
import cardCss from '../components/card/card.css?inline';
import type { ToolMetricsResponse } from '../lib/protocol/messages';
import type { CardPrefs, CardPrefsChange } from '../lib/model/cardPrefs';
import { askWorker, cardAnswer, checkedAnswer } from '../lib/protocol/cardAnswers';
import { DEFAULT_RANGE, type RangeKey } from '../lib/model/ranges';
import type { ToolMatch } from '../lib/matching/toolMatch';
import { CARD_HOST_GLOBAL } from '../lib/protocol/isolatedWorld';

/**
 * The card: injected by the background worker (`card/inject`) into the isolated world of a tool
 * page's content script, only once that script has found a tool. It registers itself on a global of
 * that isolated world (invisible to the page); the content script mounts and removes cards with it.
 */
export interface CardMount {
  origin: string;
  match: ToolMatch;
  prefs: CardPrefs;
  /**
   * The figures of the default range, asked for by the content script before this script loaded
   * (unvalidated), and once they came, that range's ranking and annotations (null when the figures failed).
   */
  early: { range: RangeKey; answer: Promise<unknown>; extras: Promise<EarlyExtras | null> } | null;
  savePrefs: (change: CardPrefsChange) => void;
  onHide: () => void;
}
export interface EarlyExtras {
  ranking: Promise<unknown>;
  annotations: Promise<unknown>;
}
export interface CardHost {
  mount(options: CardMount): Promise<{ remove: () => void; toggle: () => void }>;
}

export default defineUnlistedScript(() => {
  const host: CardHost = {
    async mount({ match, prefs, early, savePrefs, onHide }) {
      let currentPrefs = prefs;
      let toggles = 0;
      let pending = early;
      // The figures already here (the usual case with the worker's cache): the card's first render shows
      // them, and the ranking and annotations if those are here too.
      const initial = pending && pending.range === DEFAULT_RANGE ? await alreadyAnswered('tool-metrics/get', pending.answer) : null;
      const extras = initial && pending ? await settled(pending.extras) : null;
      const initialRanking = extras && extras !== NOT_YET ? await alreadyAnswered('ranking/get', extras.ranking) : null;
      const initialAnnotations = extras && extras !== NOT_YET ? await alreadyAnswered('annotations/get', extras.annotations) : null;
      // Asked early but not here yet: the card's first asks take them rather than asking again.
      let pendingRanking = extras && extras !== NOT_YET && !initialRanking ? extras.ranking : null;
      let pendingAnnotations = extras && extras !== NOT_YET && !initialAnnotations ? extras.annotations : null;
      if (initial) pending = null;
      const api: CardApi = {
        loadMetrics: (range, refresh, since, allData) => {
          const head = pending;
          pending = null;
          if (head && head.range === range && !refresh && since === undefined && !allData) return validated(head.answer);
          return askWorker({
            type: 'tool-metrics/get',
            tool: match.tool,
            range,
            refresh,
            ...(since === undefined ? {} : { since }),
            ...(allData ? { allData } : {}),
          });
        },
        loadTriage: (range) => askWorker({ type: 'triage/get', tool: match.tool, range }),
        openLookup: (range) => askWorker({ type: 'lookup/open', tool: match.tool, range }),
        loadRanking: (range) => {
          const head = range === DEFAULT_RANGE ? pendingRanking : null;
          pendingRanking = null;
          return head ? head.then((answer) => checkedAnswer('ranking/get', answer)) : askWorker({ type: 'ranking/get', range });
        },
        loadAnnotations: (range) => {
          const head = range === DEFAULT_RANGE ? pendingAnnotations : null;
          pendingAnnotations = null;
          return head ? head.then((answer) => checkedAnswer('annotations/get', answer)) : askWorker({ type: 'annotations/get', range });
        },
        openOptions: () => void askWorker({ type: 'options/open' }),
        savePrefs: (change) => {
          currentPrefs = { ...currentPrefs, ...change };
          savePrefs(change);
        },
      };
      const { container, remove } = mountClosedShadowHost(cardCss);
      const draw = () =>
        render(
          <CardContainer
            key={match.tool}
            tool={match.tool}
            matchedBy={match.detail}
            api={api}
            prefs={currentPrefs}
            toggleSignal={toggles}
            onHide={onHide}
            initial={initial}
            initialRanking={initialRanking}
            initialAnnotations={initialAnnotations}
          />,
          container,
        );
      draw();
      return {
        remove: () => {
          render(null, container);
          remove();
        },
        toggle: () => {
          toggles++;
          draw();
        },
      };
    },
  };
  (globalThis as Record<string, unknown>)[CARD_HOST_GLOBAL] = host;
});

const NOT_YET: unique symbol = Symbol('not yet');
/**
 * The value of a promise that has already been fulfilled, else NOT_YET. `Promise.race` with a settled
 * promise answers with `promise` only when it was already fulfilled (its reaction is queued first),
 * so nothing here waits.
 */
async function settled<T>(promise: Promise<T>): Promise<T | typeof NOT_YET> {
  const notYet: Promise<typeof NOT_YET> = Promise.resolve(NOT_YET);
  return Promise.race([promise, notYet]).catch((): typeof NOT_YET => NOT_YET);
}

/**
 * An early answer if it has already arrived and is a good one (checked: figures neither stale nor
 * being computed, a ranking or annotations that are ok), else null: the card then loads it as usual.
 */
async function alreadyAnswered<T extends 'tool-metrics/get' | 'ranking/get' | 'annotations/get'>(type: T, answer: Promise<unknown>) {
  const value = await settled(answer);
  const checked = value === NOT_YET ? null : cardAnswer(type, value);
  if (!checked?.ok) return null;
  if (type === 'tool-metrics/get') {
    const figures = checked as Extract<ToolMetricsResponse, { ok: true }>;
    if (figures.stale || figures.computing) return null;
  }
  return checked;
}

/** The early answer, checked like every other answer (lib/protocol/cardAnswers.ts). */
async function validated(answer: Promise<unknown>): Promise<ToolMetricsResponse> {
  return checkedAnswer('tool-metrics/get', await answer);
}
