/** Options → Connection: which PostHog (US, EU, self-hosted), the project and the personal API key. */
import { useState } from 'preact/hooks';
import { HOSTS, type HostKind } from '../../lib/settings/settings';
import type { SettingsDraft } from './useSettingsDraft';

export function ConnectionSection({ form }: { form: SettingsDraft }) {
  const { draft, patch, fieldErrors, error, describedBy } = form;
  const [showKey, setShowKey] = useState(false);
  const text = (field: 'customHost' | 'projectId' | 'apiKey') => (event: Event) => patch({ [field]: (event.currentTarget as HTMLInputElement).value }, field);
  return (
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
          <input id="customHost" type="url" placeholder="https://posthog.example.com" value={draft.customHost} onInput={text('customHost')} aria-invalid={!!fieldErrors.customHost} aria-describedby={describedBy('customHost')} />
          {error('customHost')}
        </>
      )}
      <label for="projectId">Project id</label>
      <input id="projectId" inputMode="numeric" placeholder="12345" value={draft.projectId} onInput={text('projectId')} aria-invalid={!!fieldErrors.projectId} aria-describedby={describedBy('projectId')} />
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
          aria-describedby={describedBy('apiKey', 'apiKey-help')}
        />
        <button type="button" onClick={() => setShowKey((s) => !s)} aria-pressed={showKey}>
          {showKey ? 'Hide' : 'Show'}
        </button>
      </div>
      <p class="help" id="apiKey-help">
        Scopes: <code>query:read</code> (the card), <code>project:read</code> and <code>user:read</code> (the connection test), <code>dashboard:read</code> (shortcuts), <code>annotation:read</code> (annotations on the card). Kept in
        this browser's extension storage and sent only to the PostHog host above.
      </p>
      {error('apiKey')}
    </fieldset>
  );
}
