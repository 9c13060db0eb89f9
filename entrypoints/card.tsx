import { render } from 'preact';
import { CardContainer, type CardApi } from '../components/card/CardContainer';
import { mountClosedShadowHost } from '../components/card/closedShadowHost';
import cardCss from '../components/card/card.css?inline';
import type { ToolMetricsResponse } from '../lib/protocol/messages';
import type { CardPrefs } from '../lib/model/cardPrefs';
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
  /** The figures of the default range, asked for by the content script before this script loaded (unvalidated). */
  early: { range: RangeKey; answer: Promise<unknown> } | null;
  savePrefs: (prefs: CardPrefs) => void;
  onHide: () => void;
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
      // The figures already here (the usual case with the worker's cache): the card's first render shows them.
      const initial = pending && pending.range === DEFAULT_RANGE ? await alreadyAnswered(pending.answer) : null;
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
        loadRanking: (range) => askWorker({ type: 'ranking/get', range }),
        loadAnnotations: (range) => askWorker({ type: 'annotations/get', range }),
        openOptions: () => void askWorker({ type: 'options/open' }),
        savePrefs: (next) => {
          currentPrefs = next;
          savePrefs(next);
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

/**
 * The early answer if it has already arrived and is good figures (checked), else null: the card
 * then loads as usual. `Promise.race` with a settled promise answers with `answer` only when it was
 * already fulfilled (its reaction is queued first), so nothing here waits.
 */
async function alreadyAnswered(answer: Promise<unknown>): Promise<ToolMetricsResponse | null> {
  const NOT_YET = Symbol('not yet');
  const value = await Promise.race([answer, Promise.resolve(NOT_YET)]).catch(() => NOT_YET);
  if (value === NOT_YET) return null;
  const checked = cardAnswer('tool-metrics/get', value);
  return checked && checked.ok && !checked.stale && !checked.computing ? checked : null;
}

/** The early answer, checked like every other answer (lib/protocol/cardAnswers.ts). */
async function validated(answer: Promise<unknown>): Promise<ToolMetricsResponse> {
  return checkedAnswer('tool-metrics/get', await answer);
}
