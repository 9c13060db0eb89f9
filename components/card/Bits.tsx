/** Small presentational pieces shared by the card's sections. */
import type { Change } from '../../lib/helpers/format';
import type { TestedChange } from '../../lib/card/compare';

/**
 * A change vs the previous period. Tested (lib/card/compare.ts): the arrow only when the change is
 * more than chance, else "no clear change"; either way the interval on hover and on focus. Arrows
 * for the eye, words for a screen reader (a span's aria-label is not read).
 */
export function Delta({ change, label }: { change: Change | TestedChange; label: string }) {
  if (!change) return <span class="tl-delta tl-delta-none">no previous data</span>;
  const tested = 'significant' in change ? change : null;
  // "▲ 22%" said as "up 22%".
  const spoken = change.direction === 'flat' ? change.text : `${change.direction} ${change.text.replace(/^[▲▼]\s*/, '')}`;
  if (tested && !tested.significant) {
    return (
      <span class="tl-delta tl-delta-unclear" tabIndex={0} title={tested.detail} data-detail={tested.detail} data-testid="delta-unclear">
        <span aria-hidden="true">no clear change</span>
        <span class="tl-visually-hidden">{`${label}: no clear change vs the previous period (${spoken}); ${tested.detail}`}</span>
      </span>
    );
  }
  const verdict = change.verdict === 'neutral' ? '' : `, ${change.verdict}`;
  return (
    <span
      class={`tl-delta tl-delta-${change.verdict}`}
      title={tested ? tested.detail : `${label} vs the previous period`}
      data-testid={tested ? 'delta-clear' : undefined}
      {...(tested ? { tabIndex: 0, 'data-detail': tested.detail } : {})}
    >
      <span aria-hidden="true">{change.text}</span>
      <span class="tl-visually-hidden">{`${label} ${spoken} vs the previous period${verdict}${tested ? `; ${tested.detail}` : ''}`}</span>
      {!tested && change.lowSample && <span class="tl-low-sample"> low sample</span>}
    </span>
  );
}

export function SectionLink({ href, label }: { href: string; label: string }) {
  return (
    <a class="tl-section-link" href={href} target="_blank" rel="noopener noreferrer" aria-label={label} title={label}>
      <span aria-hidden="true">↗</span>
    </a>
  );
}

/** A small SVG line of values; gaps where a bucket had no data. */
export function Sparkline({ values, label, marks = [] }: { values: Array<number | null>; label: string; marks?: Array<{ at: number; label: string }> }) {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (known.length < 2) return null;
  const width = 120;
  const height = 28;
  const max = Math.max(...known);
  const min = Math.min(...known);
  const span = max - min || 1;
  const step = width / Math.max(1, values.length - 1);
  let path = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (height - 2 - ((v - min) / span) * (height - 4)).toFixed(1);
    path += `${pen ? 'L' : 'M'}${x} ${y} `;
    pen = true;
  });
  return (
    <svg class="tl-spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      {marks.map((m, i) => (
        <line
          key={i}
          class="tl-mark"
          data-testid="annotation-mark"
          x1={(m.at * width).toFixed(1)}
          x2={(m.at * width).toFixed(1)}
          y1="0"
          y2={height}
          stroke-width="1"
          stroke-dasharray="2 2"
        >
          <title>{m.label}</title>
        </line>
      ))}
      <path d={path.trim()} fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" />
    </svg>
  );
}
