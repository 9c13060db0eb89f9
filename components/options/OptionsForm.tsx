/** Options: connection (host, project, key, test), card metrics (funnel, thresholds, segment), the request budget and the data schema. */
import { useState } from 'preact/hooks';
import type { DetectSchemaResponse, TestConnectionResponse } from '../../lib/protocol/messages';
import { ALERT_METRICS, type AlertMetric } from '../../lib/project/alerts';
import { BUDGET_LIMITS, DEFAULT_BUDGET, POSTHOG_QUERY_LIMIT_PER_HOUR } from '../../lib/posthog/limits';
import { TOOL_EVENT_KEYS, TOOL_PROPERTIES, type SchemaMapping } from '../../lib/instrumentation/schema';
import { HOSTS, settingsSchema, type HostKind, type Settings } from '../../lib/settings/settings';

export interface OptionsFormProps {
  initial: Settings | (Omit<Settings, 'apiKey' | 'projectId'> & { apiKey: string; projectId: string });
  onSave: (settings: Settings) => Promise<void>;
  onTest: () => Promise<TestConnectionResponse>;
  onDetect: () => Promise<DetectSchemaResponse>;
  /** Asks for the notifications permission (in the click that turns notifications on). */
  onRequestNotifications: () => Promise<boolean>;
}

const STEP_LABELS: Record<TestConnectionResponse['checks'][number]['step'], string> = {
  settings: 'Settings',
  user: 'API key',
  project: 'Project',
  query: 'Query API',
};

type Draft = OptionsFormProps['initial'];

export function OptionsForm({ initial, onSave, onTest, onDetect, onRequestNotifications }: OptionsFormProps) {
  const [draft, setDraft] = useState<Draft>(initial);
  const [showKey, setShowKey] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<{ kind: 'idle' | 'busy' | 'saved' | 'error'; text?: string }>({ kind: 'idle' });
  const [result, setResult] = useState<TestConnectionResponse | null>(null);
  const [detected, setDetected] = useState<string | null>(null);

  const patch = (change: Partial<Draft>, field?: string) => {
    setDraft((d) => ({ ...d, ...change }));
    if (field) setFieldErrors((e) => ({ ...e, [field]: '' }));
    setResult(null);
  };
  const text = (field: 'customHost' | 'projectId' | 'apiKey') => (event: Event) => patch({ [field]: (event.currentTarget as HTMLInputElement).value }, field);
  const number = (event: Event) => Number((event.currentTarget as HTMLInputElement).value);
  const setSchema = (schema: SchemaMapping) => patch({ schema }, 'schema');

  async function save(): Promise<Settings | null> {
    const parsed = settingsSchema.safeParse(draft);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) errors[issue.path.join('.')] ??= issue.message;
      setFieldErrors(errors);
      setStatus({ kind: 'error', text: `Fix the highlighted fields (${Object.keys(errors).join(', ')}).` });
      return null;
    }
    setStatus({ kind: 'busy', text: 'Saving…' });
    try {
      await onSave(parsed.data);
      setStatus({ kind: 'saved', text: 'Saved.' });
      return parsed.data;
    } catch (error) {
      setStatus({ kind: 'error', text: `Could not save: ${(error as Error).message}` });
      return null;
    }
  }

  async function saveAndTest() {
    if (!(await save())) return;
    setStatus({ kind: 'busy', text: 'Testing connection…' });
    try {
      const answer = await onTest();
      setResult(answer);
      setStatus(answer.ok ? { kind: 'saved', text: 'Connected.' } : { kind: 'error', text: 'Connection failed: see below.' });
    } catch (error) {
      setStatus({ kind: 'error', text: `Test failed: ${(error as Error).message}` });
    }
  }

  async function detect() {
    if (!(await save())) return;
    setStatus({ kind: 'busy', text: 'Looking at the last 30 days of events…' });
    const answer = await onDetect().catch((error: Error) => ({ ok: false as const, error: { kind: 'bad_response' as const, message: error.message } }));
    if (!answer.ok) {
      setStatus({ kind: 'error', text: `Detection failed: ${answer.error.message}` });
      return;
    }
    const properties = { ...draft.schema.properties };
    const notes: string[] = [];
    for (const name of TOOL_PROPERTIES) {
      const found = answer.properties[name];
      if (!found) continue;
      properties[name] = found.spellings;
      if (found.plain + found.dollar > 0) notes.push(`${name}: ${found.spellings.join(' + ')} (${found.plain} / ${found.dollar} events)`);
    }
    setSchema({ ...draft.schema, properties });
    const missing = Object.entries(answer.events).filter(([, n]) => n === 0).map(([e]) => e);
    setDetected(`${notes.join('; ')}${missing.length ? `. No events named ${missing.join(', ')} in ${answer.days} days.` : ''}`);
    setStatus({ kind: 'idle', text: 'Detected: review and save.' });
  }

  const error = (field: string) =>
    fieldErrors[field] ? (
      <p class="field-error" id={`${field.replace(/\./g, '-')}-error`} role="alert">
        {fieldErrors[field]}
      </p>
    ) : null;

  return (
    <form
      class="options"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <h1>Tool Lens</h1>
      <p class="lead">Connect Tool Lens to the PostHog project that receives your tools' events.</p>

      <fieldset>
        <legend>Connection</legend>
        <label for="host">PostHog host</label>
        <select id="host" value={draft.host} onChange={(e) => patch({ host: (e.currentTarget as HTMLSelectElement).value as HostKind })}>
          {(Object.keys(HOSTS) as HostKind[]).map((kind) => (
            <option key={kind} value={kind}>
              {HOSTS[kind].label}
              {HOSTS[kind].url ? ` — ${HOSTS[kind].url}` : ''}
            </option>
          ))}
        </select>
        {draft.host === 'custom' && (
          <>
            <label for="customHost">PostHog URL</label>
            <input id="customHost" type="url" placeholder="https://posthog.example.com" value={draft.customHost} onInput={text('customHost')} aria-invalid={!!fieldErrors.customHost} aria-describedby="customHost-error" />
            {error('customHost')}
          </>
        )}
        <label for="projectId">Project id</label>
        <input id="projectId" inputMode="numeric" placeholder="12345" value={draft.projectId} onInput={text('projectId')} aria-invalid={!!fieldErrors.projectId} aria-describedby="projectId-error" />
        {error('projectId')}
        <label for="apiKey">Personal API key</label>
        <div class="key-row">
          <input
            id="apiKey"
            {...(showKey ? { type: 'text' as const } : { type: 'password' as const })}
            autoComplete="off"
            spellcheck={false}
            placeholder="phx_…"
            value={draft.apiKey}
            onInput={text('apiKey')}
            aria-invalid={!!fieldErrors.apiKey}
            aria-describedby="apiKey-error apiKey-help"
          />
          <button type="button" onClick={() => setShowKey((s) => !s)} aria-pressed={showKey}>
            {showKey ? 'Hide' : 'Show'}
          </button>
        </div>
        <p class="help" id="apiKey-help">
          Scopes: <code>query:read</code> (the card), <code>project:read</code> and <code>user:read</code> (the connection test), <code>dashboard:read</code> (shortcuts). Kept in
          this browser's extension storage and sent only to the PostHog host above.
        </p>
        {error('apiKey')}
      </fieldset>

      <fieldset>
        <legend>Card and alerts</legend>
        <div class="grid">
          <label for="funnelWindowHours">Funnel conversion window (hours)</label>
          <input id="funnelWindowHours" type="number" min={1} max={2160} value={draft.funnelWindowHours} onInput={(e) => patch({ funnelWindowHours: number(e) }, 'funnelWindowHours')} />
          <label for="funnelUnit">Funnel counts</label>
          <select id="funnelUnit" value={draft.funnelUnit} onChange={(e) => patch({ funnelUnit: (e.currentTarget as HTMLSelectElement).value as Settings['funnelUnit'] })}>
            <option value="sessions">sessions (session id property)</option>
            <option value="persons">persons</option>
          </select>
          <label for="failuresPerHour">Alert: failures in the last hour above</label>
          <input id="failuresPerHour" type="number" min={0} value={draft.thresholds.failuresPerHour} onInput={(e) => patch({ thresholds: { ...draft.thresholds, failuresPerHour: number(e) } }, 'thresholds.failuresPerHour')} />
          <label for="meanDurationSeconds">Alert: mean processing time above (s)</label>
          <input id="meanDurationSeconds" type="number" min={0} value={draft.thresholds.meanDurationSeconds} onInput={(e) => patch({ thresholds: { ...draft.thresholds, meanDurationSeconds: number(e) } }, 'thresholds.meanDurationSeconds')} />
        </div>
        {error('funnelWindowHours')}
        {error('thresholds.failuresPerHour')}
        {error('thresholds.meanDurationSeconds')}
        <div class="grid">
          <label for="alertEveryMinutes">Check every tool every (minutes)</label>
          <input id="alertEveryMinutes" type="number" min={1} max={1440} value={draft.alertEveryMinutes} onInput={(e) => patch({ alertEveryMinutes: number(e) }, 'alertEveryMinutes')} />
        </div>
        {error('alertEveryMinutes')}
        <p class="help">More rules (a tool over any of them counts on the icon badge and its card):</p>
        {draft.extraAlertRules.map((rule, i) => (
          <div class="segment-row" key={i} data-testid="alert-rule">
            <select
              aria-label="Alert metric"
              value={rule.metric}
              onChange={(e) => patch({ extraAlertRules: draft.extraAlertRules.map((r, j) => (j === i ? { ...r, metric: (e.currentTarget as HTMLSelectElement).value as AlertMetric } : r)) })}
            >
              {(Object.keys(ALERT_METRICS) as AlertMetric[]).map((m) => (
                <option key={m} value={m}>
                  {ALERT_METRICS[m].label}
                </option>
              ))}
            </select>
            <span>above</span>
            <input aria-label="Alert threshold" type="number" min={0} value={rule.above} onInput={(e) => patch({ extraAlertRules: draft.extraAlertRules.map((r, j) => (j === i ? { ...r, above: number(e) } : r)) })} />
            <button type="button" class="link" onClick={() => patch({ extraAlertRules: draft.extraAlertRules.filter((_, j) => j !== i) })}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" disabled={draft.extraAlertRules.length >= 10} onClick={() => patch({ extraAlertRules: [...draft.extraAlertRules, { metric: 'failure_rate_pct', above: 10 }] })}>
          Add a rule
        </button>
        <label class="inline">
          <input
            type="checkbox"
            checked={draft.alertNotifications}
            onChange={async (e) => {
              const on = (e.currentTarget as HTMLInputElement).checked;
              if (on && !(await onRequestNotifications())) {
                setStatus({ kind: 'error', text: 'Notifications were not allowed.' });
                return;
              }
              patch({ alertNotifications: on });
            }}
          />{' '}
          Also show a system notification when a tool goes over a threshold
        </label>
        <label class="inline">
          <input type="checkbox" checked={draft.segment !== null} onChange={(e) => patch({ segment: (e.currentTarget as HTMLInputElement).checked ? { kind: 'person', property: '', value: '' } : null })} /> Only a
          segment (applies to every figure)
        </label>
        {draft.segment && (
          <div class="segment-row">
            <select aria-label="Segment property kind" value={draft.segment.kind} onChange={(e) => patch({ segment: { ...draft.segment!, kind: (e.currentTarget as HTMLSelectElement).value as 'event' | 'person' } })}>
              <option value="person">person property</option>
              <option value="event">event property</option>
            </select>
            <input aria-label="Segment property name" placeholder="platform" value={draft.segment.property} onInput={(e) => patch({ segment: { ...draft.segment!, property: (e.currentTarget as HTMLInputElement).value } }, 'segment.property')} />
            <span>=</span>
            <input aria-label="Segment value" placeholder="web" value={draft.segment.value} onInput={(e) => patch({ segment: { ...draft.segment!, value: (e.currentTarget as HTMLInputElement).value } })} />
          </div>
        )}
        {error('segment.property')}
      </fieldset>

      <fieldset>
        <legend>Request budget</legend>
        <p class="help" id="requestBudget-help">
          Every request Tool Lens makes to PostHog (cards, triage, the popup, alerts, auto-mapping) spends from this one budget: up to this many at once, refilled evenly over
          the hour. PostHog allows each personal API key {POSTHOG_QUERY_LIMIT_PER_HOUR} HogQL queries an hour (answers from its cache count too), so the budget cannot go
          above the key's limit. If PostHog raised your team's limit (its <code>api_query_rate_limit</code>, set by PostHog or on a self-hosted instance), enter the new
          limit and the budget may grow up to it. When the budget is spent, cards show their last figures marked stale and say when they will ask again. Default:{' '}
          {DEFAULT_BUDGET.capacity} at once, {DEFAULT_BUDGET.refillPerHour} an hour.
        </p>
        <div class="grid">
          <label for="budgetCapacity">Requests at once</label>
          <input
            id="budgetCapacity"
            type="number"
            min={BUDGET_LIMITS.capacity.min}
            max={BUDGET_LIMITS.capacity.max}
            step={1}
            value={draft.requestBudget.capacity}
            onInput={(e) => patch({ requestBudget: { ...draft.requestBudget, capacity: number(e) } }, 'requestBudget.capacity')}
            aria-invalid={!!fieldErrors['requestBudget.capacity']}
            aria-describedby="requestBudget-capacity-error requestBudget-help"
          />
          <label for="budgetRefillPerHour">Requests added per hour</label>
          <input
            id="budgetRefillPerHour"
            type="number"
            min={BUDGET_LIMITS.refillPerHour.min}
            max={BUDGET_LIMITS.refillPerHour.max}
            step={1}
            value={draft.requestBudget.refillPerHour}
            onInput={(e) => patch({ requestBudget: { ...draft.requestBudget, refillPerHour: number(e) } }, 'requestBudget.refillPerHour')}
            aria-invalid={!!fieldErrors['requestBudget.refillPerHour']}
            aria-describedby="requestBudget-refillPerHour-error requestBudget-help"
          />
          <label for="queryLimitPerHour">PostHog's query limit for this key (per hour)</label>
          <input
            id="queryLimitPerHour"
            type="number"
            min={1}
            step={1}
            value={draft.queryLimitPerHour}
            onInput={(e) => patch({ queryLimitPerHour: number(e) }, 'queryLimitPerHour')}
            aria-invalid={!!fieldErrors['queryLimitPerHour']}
            aria-describedby="queryLimitPerHour-error requestBudget-help"
          />
        </div>
        {error('requestBudget.capacity')}
        {error('requestBudget.refillPerHour')}
        {error('queryLimitPerHour')}
      </fieldset>

      <fieldset>
        <legend>Data schema</legend>
        <p class="help">Event names, and for each property the spellings to read (first found wins). Real projects use both <code>tool_name</code> and <code>$tool_name</code>.</p>
        <button type="button" onClick={() => void detect()} disabled={status.kind === 'busy'}>
          Detect from data
        </button>
        {detected && (
          <p class="help" data-testid="detected" role="status">
            {detected}
          </p>
        )}
        <div class="grid">
          {TOOL_EVENT_KEYS.map((key) => (
            <>
              <label for={`ev-${key}`}>{key} event</label>
              <input id={`ev-${key}`} value={draft.schema.events[key]} onInput={(e) => setSchema({ ...draft.schema, events: { ...draft.schema.events, [key]: (e.currentTarget as HTMLInputElement).value } })} />
            </>
          ))}
          {TOOL_PROPERTIES.map((name) => (
            <>
              <label for={`prop-${name}`}>{name}</label>
              <input
                id={`prop-${name}`}
                value={draft.schema.properties[name].join(', ')}
                onInput={(e) =>
                  setSchema({
                    ...draft.schema,
                    properties: { ...draft.schema.properties, [name]: (e.currentTarget as HTMLInputElement).value.split(',').map((s) => s.trim()).filter(Boolean) },
                  })
                }
              />
            </>
          ))}
        </div>
        {Object.entries(fieldErrors)
          .filter(([field, message]) => field.startsWith('schema') && message)
          .map(([field, message]) => (
            <p class="field-error" role="alert" key={field}>
              {field.replace('schema.', '')}: {message}
            </p>
          ))}
      </fieldset>

      <div class="actions">
        <button type="submit" disabled={status.kind === 'busy'}>
          Save
        </button>
        <button type="button" disabled={status.kind === 'busy'} onClick={() => void saveAndTest()}>
          Save and test connection
        </button>
        <span class={`status status-${status.kind}`} role="status" data-testid="options-status">
          {status.text}
        </span>
      </div>

      {result && (
        <ol class="checks" data-testid="connection-checks">
          {result.checks.map((check) => (
            <li key={check.step} class={check.ok ? 'ok' : 'failed'}>
              <strong>
                {check.ok ? '✓' : '✗'} {STEP_LABELS[check.step]}:
              </strong>{' '}
              {check.detail}
            </li>
          ))}
        </ol>
      )}
    </form>
  );
}
