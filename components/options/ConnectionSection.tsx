/** Options → Connection: which PostHog (US, EU, self-hosted), the project, and a sign-in or the personal API key. */
import { useState } from 'preact/hooks';
import type { OnboardingProjectsResponse } from '../../lib/protocol/messages';
import { HOSTS, type HostKind } from '../../lib/settings/settings';
import type { SettingsDraft } from './useSettingsDraft';
import { SetByOrganisation } from './SetByOrganisation';

type SignIn = (candidate: { host: HostKind; customHost: string }) => Promise<OnboardingProjectsResponse>;
export interface SignInActions {
  signIn: SignIn;
  /** Forgets the sign-in (PostHog revokes its tokens). */
  signOut: () => Promise<void>;
}

export function ConnectionSection({ form, signIn }: { form: SettingsDraft; signIn?: SignInActions }) {
  const { draft, locked, patch, fieldErrors, error, describedBy } = form;
  const [showKey, setShowKey] = useState(false);
  const auth = draft.auth ?? 'key';
  const text = (field: 'customHost' | 'projectId' | 'apiKey') => (event: Event) => patch({ [field]: (event.currentTarget as HTMLInputElement).value }, field);
  return (
    <fieldset>
      <legend>Connection</legend>
      <label for="host">PostHog host</label>
      <select
        id="host"
        disabled={locked.has('host')}
        value={draft.host}
        onChange={(e) => patch({ host: (e.currentTarget as HTMLSelectElement).value as HostKind })}
      >
        {(Object.keys(HOSTS) as HostKind[]).map((kind) => (
          <option key={kind} value={kind}>
            {HOSTS[kind].label}
            {HOSTS[kind].url ? ` — ${HOSTS[kind].url}` : ''}
          </option>
        ))}
      </select>
      <SetByOrganisation form={form} field="host" />
      {draft.host === 'custom' && (
        <>
          <label for="customHost">PostHog URL</label>
          <input
            id="customHost"
            disabled={locked.has('customHost')}
            type="url"
            placeholder="https://posthog.example.com"
            value={draft.customHost}
            onInput={text('customHost')}
            aria-invalid={!!fieldErrors.customHost}
            aria-describedby={describedBy('customHost')}
          />
          {error('customHost')}
        </>
      )}
      <label for="projectId">Project id</label>
      <input
        id="projectId"
        disabled={locked.has('projectId')}
        inputMode="numeric"
        placeholder="12345"
        value={draft.projectId}
        onInput={text('projectId')}
        aria-invalid={!!fieldErrors.projectId}
        aria-describedby={describedBy('projectId')}
      />
      <SetByOrganisation form={form} field="projectId" />
      {error('projectId')}
      {locked.has('auth') && <SetByOrganisation form={form} field="auth" />}
      {signIn && !locked.has('auth') && (
        <fieldset class="choices" data-testid="auth-choice">
          <legend>How Tool Lens reaches PostHog</legend>
          <label class="inline">
            <input type="radio" name="auth" value="signIn" checked={auth === 'signIn'} onChange={() => patch({ auth: 'signIn' }, 'apiKey')} /> Sign in with
            PostHog (read access only)
          </label>
          <label class="inline">
            <input type="radio" name="auth" value="key" checked={auth === 'key'} onChange={() => patch({ auth: 'key' }, 'apiKey')} /> Personal API key
          </label>
        </fieldset>
      )}
      {auth === 'signIn' && signIn ? (
        <SignInRow form={form} actions={signIn} />
      ) : (
        <>
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
            Scopes: <code>query:read</code> (the card), <code>project:read</code> and <code>user:read</code> (the connection test), <code>dashboard:read</code>{' '}
            (shortcuts), <code>annotation:read</code> (annotations on the card), <code>group:read</code> (group type names for a segment). Kept in this
            browser's extension storage and sent only to the PostHog host above.
          </p>
          {error('apiKey')}
        </>
      )}
    </fieldset>
  );
}

/** Signed in: the sign-in window on the drafted host; what PostHog answered, said in place. */
function SignInRow({ form, actions }: { form: SettingsDraft; actions: SignInActions }) {
  const { draft, patch } = form;
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  async function signIn() {
    setBusy(true);
    setSaid(null);
    const answer = await actions.signIn({ host: draft.host, customHost: draft.customHost.trim() }).catch((e: unknown) => ({
      ok: false as const,
      error: { kind: 'extension' as const, message: `Tool Lens lost touch with its background worker (${(e as Error).message}).` },
    }));
    setBusy(false);
    if (!answer.ok) return setSaid({ ok: false, text: answer.error.message });
    const projects = answer.organizations.flatMap((o) => o.projects);
    const current = projects.find((p) => p.id === draft.projectId);
    // The one project the sign-in allows is picked; a choice among several stays the user's.
    if (!current && projects.length === 1) patch({ projectId: projects[0]!.id }, 'projectId');
    setSaid({
      ok: true,
      text: `Signed in as ${answer.user}: ${projects.length} project${projects.length === 1 ? '' : 's'} (${projects.map((p) => `${p.name} ${p.id}`).join(', ')}). Save to use it.`,
    });
  }
  return (
    <div class="sign-in" data-testid="sign-in-row">
      <div class="actions">
        <button type="button" data-testid="options-sign-in" disabled={busy} onClick={() => void signIn()}>
          {busy ? 'Waiting for the sign-in window…' : 'Sign in with PostHog'}
        </button>
        <button
          type="button"
          class="link"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            await actions.signOut().catch(() => undefined);
            setBusy(false);
            setSaid({
              ok: true,
              text: 'Signed out: PostHog was asked to revoke the sign-in, and Tool Lens forgot it. Sign in again, or use a personal API key.',
            });
          }}
        >
          Sign out
        </button>
      </div>
      <p class="help">PostHog asks which projects Tool Lens may read; the tokens stay in this browser's extension storage and go only to the host above.</p>
      {said && (
        <p role={said.ok ? 'status' : 'alert'} class={said.ok ? 'ok' : 'field-error'} data-testid="sign-in-result">
          {said.text}
        </p>
      )}
    </div>
  );
}
