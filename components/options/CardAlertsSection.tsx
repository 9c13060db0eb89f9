/** Options → Card and alerts: the funnel, the alert thresholds and rules, notifications, a segment. */
import { ALERT_METRICS, type AlertMetric } from '../../lib/model/alerts';
import type { Settings } from '../../lib/settings/settings';
import type { GroupTypesResponse } from '../../lib/protocol/messages';
import { numberOf, type SettingsDraft } from './useSettingsDraft';
import { GROUP_INDEXES, useGroupTypes } from './useGroupTypes';
import { SetByOrganisation } from './SetByOrganisation';

export function CardAlertsSection({
  form,
  onRequestNotifications,
  onLoadGroupTypes,
}: {
  form: SettingsDraft;
  onRequestNotifications: () => Promise<string | null>;
  onLoadGroupTypes: () => Promise<GroupTypesResponse>;
}) {
  const { draft, locked, patch, error, setStatus } = form;
  const groupTypes = useGroupTypes(onLoadGroupTypes, draft.segment?.kind === 'group');
  return (
    <fieldset>
      <legend>Card and alerts</legend>
      <div class="grid">
        <label for="funnelWindowHours">Funnel conversion window (hours)</label>
        <input
          id="funnelWindowHours"
          type="number"
          min={1}
          max={2160}
          value={draft.funnelWindowHours}
          onInput={(e) => patch({ funnelWindowHours: numberOf(e) }, 'funnelWindowHours')}
        />
        <label for="funnelUnit">Funnel counts</label>
        <select
          id="funnelUnit"
          value={draft.funnelUnit}
          onChange={(e) => patch({ funnelUnit: (e.currentTarget as HTMLSelectElement).value as Settings['funnelUnit'] })}
        >
          <option value="sessions">sessions (session id property)</option>
          <option value="persons">persons</option>
        </select>
        <label for="failuresPerHour">Alert: failures in the last hour above</label>
        <input
          id="failuresPerHour"
          disabled={locked.has('thresholds')}
          type="number"
          min={0}
          value={draft.thresholds.failuresPerHour}
          onInput={(e) => patch({ thresholds: { ...draft.thresholds, failuresPerHour: numberOf(e) } }, 'thresholds.failuresPerHour')}
        />
        <label for="meanDurationSeconds">Alert: mean processing time above (s)</label>
        <input
          id="meanDurationSeconds"
          disabled={locked.has('thresholds')}
          type="number"
          min={0}
          value={draft.thresholds.meanDurationSeconds}
          onInput={(e) => patch({ thresholds: { ...draft.thresholds, meanDurationSeconds: numberOf(e) } }, 'thresholds.meanDurationSeconds')}
        />
      </div>
      <SetByOrganisation form={form} field="thresholds" />
      {error('funnelWindowHours')}
      {error('thresholds.failuresPerHour')}
      {error('thresholds.meanDurationSeconds')}
      <div class="grid">
        <label for="alertEveryMinutes">Check every tool every (minutes)</label>
        <input
          id="alertEveryMinutes"
          disabled={locked.has('alertEveryMinutes')}
          type="number"
          min={1}
          max={1440}
          value={draft.alertEveryMinutes}
          onInput={(e) => patch({ alertEveryMinutes: numberOf(e) }, 'alertEveryMinutes')}
        />
      </div>
      {error('alertEveryMinutes')}
      <SetByOrganisation form={form} field="alertEveryMinutes" />
      <p class="help">More rules (a tool over any of them counts on the icon badge and its card):</p>
      <SetByOrganisation form={form} field="extraAlertRules" />
      <fieldset class="plain" disabled={locked.has('extraAlertRules')}>
        {draft.extraAlertRules.map((rule, i) => (
          <div class="segment-row" key={i} data-testid="alert-rule">
            <select
              aria-label="Alert metric"
              value={rule.metric}
              onChange={(e) =>
                patch({
                  extraAlertRules: draft.extraAlertRules.map((r, j) =>
                    j === i ? { ...r, metric: (e.currentTarget as HTMLSelectElement).value as AlertMetric } : r,
                  ),
                })
              }
            >
              {(Object.keys(ALERT_METRICS) as AlertMetric[]).map((m) => (
                <option key={m} value={m}>
                  {ALERT_METRICS[m].label}
                </option>
              ))}
            </select>
            <span>above</span>
            <input
              aria-label="Alert threshold"
              type="number"
              min={0}
              value={rule.above}
              onInput={(e) => patch({ extraAlertRules: draft.extraAlertRules.map((r, j) => (j === i ? { ...r, above: numberOf(e) } : r)) })}
            />
            <button type="button" class="link" onClick={() => patch({ extraAlertRules: draft.extraAlertRules.filter((_, j) => j !== i) })}>
              Remove
            </button>
          </div>
        ))}
        <button
          type="button"
          disabled={draft.extraAlertRules.length >= 10}
          onClick={() => patch({ extraAlertRules: [...draft.extraAlertRules, { metric: 'failure_rate_pct', above: 10 }] })}
        >
          Add a rule
        </button>
      </fieldset>
      <label class="inline">
        <input
          type="checkbox"
          checked={draft.alertNotifications}
          onChange={async (e) => {
            const on = (e.currentTarget as HTMLInputElement).checked;
            const problem = on ? await onRequestNotifications() : null;
            if (problem) {
              (e.currentTarget as HTMLInputElement).checked = false;
              setStatus({ kind: 'error', text: problem });
              return;
            }
            patch({ alertNotifications: on });
          }}
        />{' '}
        Also show a system notification when a tool goes over a threshold
      </label>
      <label class="inline">
        <input
          type="checkbox"
          checked={draft.segment !== null}
          onChange={(e) => patch({ segment: (e.currentTarget as HTMLInputElement).checked ? { kind: 'person', property: '', value: '' } : null })}
        />{' '}
        Only a segment (applies to every figure)
      </label>
      {draft.segment && (
        <div class="segment-row">
          <select
            aria-label="Segment property kind"
            value={draft.segment.kind}
            onChange={(e) => {
              const kind = (e.currentTarget as HTMLSelectElement).value as 'event' | 'person' | 'group';
              const { groupIndex: _index, groupType: _type, ...rest } = draft.segment!;
              patch({ segment: kind === 'group' ? { ...rest, kind, groupIndex: 0 } : { ...rest, kind } });
            }}
          >
            <option value="person">person property</option>
            <option value="event">event property</option>
            <option value="group">group property</option>
          </select>
          {draft.segment.kind === 'group' && (
            <select
              aria-label="Group type"
              data-testid="segment-group-type"
              value={String(draft.segment.groupIndex ?? 0)}
              onChange={(e) => {
                const index = Number((e.currentTarget as HTMLSelectElement).value);
                const name = groupTypes.status === 'ready' ? groupTypes.types.find((t) => t.index === index)?.name : undefined;
                patch({ segment: { ...draft.segment!, groupIndex: index, ...(name ? { groupType: name } : { groupType: undefined }) } });
              }}
            >
              {GROUP_INDEXES.map((index) => {
                const type = groupTypes.status === 'ready' ? groupTypes.types.find((t) => t.index === index) : undefined;
                return (
                  <option key={index} value={String(index)}>
                    {type ? type.name : `group type ${index + 1}`}
                  </option>
                );
              })}
            </select>
          )}
          <input
            aria-label="Segment property name"
            placeholder="platform"
            value={draft.segment.property}
            onInput={(e) => patch({ segment: { ...draft.segment!, property: (e.currentTarget as HTMLInputElement).value } }, 'segment.property')}
          />
          <span>=</span>
          <input
            aria-label="Segment value"
            placeholder="web"
            value={draft.segment.value}
            onInput={(e) => patch({ segment: { ...draft.segment!, value: (e.currentTarget as HTMLInputElement).value } })}
          />
        </div>
      )}
      {draft.segment?.kind === 'group' && groupTypes.status === 'unavailable' && (
        <p class="hint" data-testid="group-types-note">
          Could not list the project's group types ({groupTypes.message}): pick the type by its place in PostHog's list (Settings → Groups), or give the key the
          group:read scope.
        </p>
      )}
      {draft.segment?.kind === 'group' && groupTypes.status === 'ready' && groupTypes.types.length === 0 && (
        <p class="hint" data-testid="group-types-note">
          The project has no group types yet: events join groups when they are sent with groups (PostHog group analytics).
        </p>
      )}
      {error('segment.property')}
      <label for="personEmailProperty">Person property with the email (support's person lookup)</label>
      <input
        id="personEmailProperty"
        placeholder="email"
        value={draft.personEmailProperty}
        onInput={(e) => patch({ personEmailProperty: (e.currentTarget as HTMLInputElement).value }, 'personEmailProperty')}
        aria-invalid={!!form.fieldErrors.personEmailProperty}
        aria-describedby={form.describedBy('personEmailProperty')}
      />
      {error('personEmailProperty')}
      <label for="personProperties">Person properties the lookup shows (comma-separated)</label>
      <input
        id="personProperties"
        placeholder="email, name, plan"
        value={draft.personProperties}
        onInput={(e) => patch({ personProperties: (e.currentTarget as HTMLInputElement).value }, 'personProperties')}
        aria-invalid={!!form.fieldErrors.personProperties}
        aria-describedby={form.describedBy('personProperties')}
      />
      {error('personProperties')}
    </fieldset>
  );
}
