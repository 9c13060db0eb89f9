/** Options form: host, project, key, and a connection test that says exactly which step failed. */
import { useState } from 'preact/hooks';
import type { TestConnectionResponse } from '../lib/messages';
import { HOSTS, settingsSchema, type HostKind, type Settings } from '../lib/settings';

export interface OptionsFormProps {
  initial: { host: HostKind; customHost: string; projectId: string; apiKey: string };
  onSave: (settings: Settings) => Promise<void>;
  onTest: () => Promise<TestConnectionResponse>;
}

const STEP_LABELS: Record<TestConnectionResponse['checks'][number]['step'], string> = {
  settings: 'Settings',
  user: 'API key',
  project: 'Project',
  query: 'Query API',
};

export function OptionsForm({ initial, onSave, onTest }: OptionsFormProps) {
  const [draft, setDraft] = useState(initial);
  const [showKey, setShowKey] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<{ kind: 'idle' | 'busy' | 'saved' | 'error'; text?: string }>({ kind: 'idle' });
  const [result, setResult] = useState<TestConnectionResponse | null>(null);

  const update = (field: keyof typeof draft) => (event: Event) => {
    const value = (event.currentTarget as HTMLInputElement | HTMLSelectElement).value;
    setDraft((d) => ({ ...d, [field]: value }));
    setFieldErrors((e) => ({ ...e, [field]: '' }));
    setResult(null);
  };

  async function save(): Promise<Settings | null> {
    const parsed = settingsSchema.safeParse(draft);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
      setFieldErrors(errors);
      setStatus({ kind: 'error', text: 'Fix the highlighted fields.' });
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

  const error = (field: string) =>
    fieldErrors[field] ? (
      <p class="field-error" id={`${field}-error`} role="alert">
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

      <label for="host">PostHog host</label>
      <select id="host" value={draft.host} onChange={update('host')}>
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
          <input id="customHost" type="url" placeholder="https://posthog.example.com" value={draft.customHost} onInput={update('customHost')} aria-invalid={!!fieldErrors.customHost} aria-describedby="customHost-error" />
          {error('customHost')}
        </>
      )}

      <label for="projectId">Project id</label>
      <input id="projectId" inputMode="numeric" placeholder="12345" value={draft.projectId} onInput={update('projectId')} aria-invalid={!!fieldErrors.projectId} aria-describedby="projectId-error" />
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
          onInput={update('apiKey')}
          aria-invalid={!!fieldErrors.apiKey}
          aria-describedby="apiKey-error apiKey-help"
        />
        <button type="button" onClick={() => setShowKey((s) => !s)} aria-pressed={showKey}>
          {showKey ? 'Hide' : 'Show'}
        </button>
      </div>
      <p class="help" id="apiKey-help">
        Needs the <code>query:read</code> and <code>project:read</code> scopes (and <code>user:read</code> for the connection test). It is kept in this browser's extension
        storage and sent only to the PostHog host above.
      </p>
      {error('apiKey')}

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
              <strong>{check.ok ? '✓' : '✗'} {STEP_LABELS[check.step]}:</strong> {check.detail}
            </li>
          ))}
        </ol>
      )}
    </form>
  );
}
