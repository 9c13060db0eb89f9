/** The first run, one step at a time: PostHog host → key → project → sites. Its logic is useFirstRun's. */
import { useEffect, useRef } from 'preact/hooks';
import { HOSTS, type HostKind } from '../../lib/settings/settings';
import { KEY_SCOPES, useFirstRun, type FirstRunDeps, type FirstRunStep } from './useFirstRun';

const STEPS: Array<[FirstRunStep, string]> = [
  ['host', 'PostHog'],
  ['key', 'Key'],
  ['project', 'Project'],
  ['sites', 'Sites'],
];

export function FirstRun({ deps, onDone, presetHost }: { deps: FirstRunDeps; onDone: () => void; presetHost?: { host: HostKind; customHost: string } }) {
  const run = useFirstRun(deps, presetHost);
  const heading = useRef<HTMLHeadingElement>(null);
  // Each new step takes the focus to its heading, so keyboard and screen-reader users start there.
  useEffect(() => heading.current?.focus(), [run.step]);
  const index = STEPS.findIndex(([s]) => s === run.step);

  return (
    <div class="options first-run" data-testid="first-run" data-step={run.step}>
      <h1>Welcome to Tool Lens</h1>
      <p class="lead">Four steps, about a minute: connect Tool Lens to the PostHog project your tools send events to.</p>
      <ol class="steps" aria-label="Steps">
        {STEPS.map(([step, label], i) => (
          <li key={step} class={i < index || run.step === 'done' ? 'done' : i === index ? 'current' : ''} aria-current={i === index ? 'step' : undefined}>
            {label}
          </li>
        ))}
      </ol>

      {run.step === 'host' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            run.chooseHost();
          }}
        >
          <h2 ref={heading} tabIndex={-1}>
            Which PostHog?
          </h2>
          <fieldset class="choices" disabled={!!presetHost}>
            <legend>PostHog host</legend>
            {presetHost && (
              <p class="help org-policy" data-testid="locked-host">
                Set by your organisation
              </p>
            )}
            {(Object.keys(HOSTS) as HostKind[]).map((kind) => (
              <label class="inline" key={kind}>
                <input type="radio" name="host" value={kind} checked={run.host === kind} onChange={() => run.setHost(kind)} /> {HOSTS[kind].label}
                {HOSTS[kind].url && <span class="muted"> — {HOSTS[kind].url}</span>}
              </label>
            ))}
            {run.host === 'custom' && (
              <>
                <label for="first-run-host">PostHog URL</label>
                <input
                  id="first-run-host"
                  type="url"
                  placeholder="https://posthog.example.com"
                  value={run.customHost}
                  onInput={(e) => run.setCustomHost((e.currentTarget as HTMLInputElement).value)}
                />
              </>
            )}
          </fieldset>
          <p class="help">The browser asks you to let Tool Lens reach this host: it sends your key there and nowhere else.</p>
          <Actions run={run} submit="Continue" />
        </form>
      )}

      {run.step === 'key' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run.checkKey();
          }}
        >
          <h2 ref={heading} tabIndex={-1}>
            Sign in, or paste a personal API key
          </h2>
          <p>
            <button type="button" data-testid="sign-in" disabled={!!run.busy} onClick={() => void run.signIn()}>
              Sign in with PostHog
            </button>{' '}
            <span class="help">No key to create: {run.hostLabel()} asks you which projects Tool Lens may read (read access only).</span>
          </p>
          <p>Or</p>
          <p>
            <a href={run.keyPageUrl()} target="_blank" rel="noreferrer">
              Create a personal API key in PostHog ↗
            </a>{' '}
            with these scopes, limited to the project (or organisation) Tool Lens should read:
          </p>
          <ul class="scopes" data-testid="key-scopes">
            {KEY_SCOPES.map((s) => (
              <li key={s.scope}>
                <code>{s.scope}</code> — {s.for}
              </li>
            ))}
          </ul>
          <label for="first-run-key">Personal API key</label>
          <input
            id="first-run-key"
            type="password"
            autoComplete="off"
            spellcheck={false}
            placeholder="phx_…"
            value={run.apiKey}
            onInput={(e) => run.setApiKey((e.currentTarget as HTMLInputElement).value)}
          />
          <p class="help">Kept in this browser's extension storage, sent only to {run.hostLabel()}.</p>
          <Actions run={run} submit="Continue" back />
        </form>
      )}

      {run.step === 'project' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run.chooseProject();
          }}
        >
          <h2 ref={heading} tabIndex={-1}>
            Which project?
          </h2>
          <p class="help">
            The projects this {run.auth === 'signIn' ? 'sign-in' : 'key'} ({run.user}) can see:
          </p>
          {run.organizations.map((org) => (
            <fieldset class="choices" key={org.id} data-testid="organization">
              <legend>{org.name}</legend>
              {org.projects.map((p) => (
                <label class="inline" key={p.id}>
                  <input type="radio" name="project" value={p.id} checked={run.projectId === p.id} onChange={() => run.setProjectId(p.id)} /> {p.name}
                  <span class="muted">
                    {' '}
                    — id {p.id}
                    {p.timezone ? `, ${p.timezone}` : ''}
                  </span>
                </label>
              ))}
              {org.projects.length === 0 && <p class="muted">{org.problem ?? 'No project this key may use.'}</p>}
            </fieldset>
          ))}
          <Actions run={run} submit="Use this project" back />
        </form>
      )}

      {run.step === 'sites' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            run.enableChosen();
          }}
        >
          <h2 ref={heading} tabIndex={-1}>
            Where are your tool pages?
          </h2>
          {run.schemaNote && (
            <p class="help" data-testid="first-run-schema">
              Property spellings: {run.schemaNote}
            </p>
          )}
          {run.proposals && run.proposals.length > 0 ? (
            <fieldset class="choices">
              <legend>Sites your tool_viewed events come from (last 30 days)</legend>
              {run.proposals.map((site) => (
                <label class="inline" key={site.origin} data-testid="proposed-site">
                  <input
                    type="checkbox"
                    checked={run.chosenSites.includes(site.origin)}
                    onChange={(e) => run.toggleSite(site.origin, (e.currentTarget as HTMLInputElement).checked)}
                  />{' '}
                  {site.origin}
                  <span class="muted">
                    {' '}
                    — {site.views.toLocaleString('en-US')} views, {site.tools} tool{site.tools === 1 ? '' : 's'}
                  </span>
                </label>
              ))}
            </fieldset>
          ) : (
            <p class="muted">
              No tool_viewed events with a page URL yet: add your site in the options once you have some, or from the toolbar popup on one of its pages.
            </p>
          )}
          <p class="help">The browser asks for each site you enable; Tool Lens runs only there.</p>
          <Actions
            run={run}
            submit={
              run.chosenSites.length ? `Enable ${run.chosenSites.length === 1 ? 'this site' : `${run.chosenSites.length} sites`}` : 'Finish without a site'
            }
          />
        </form>
      )}

      {run.step === 'done' && (
        <div data-testid="first-run-done">
          <h2 ref={heading} tabIndex={-1}>
            Tool Lens is ready
          </h2>
          {run.enabled.length ? (
            <>
              <p>Open one of your tool pages: the card shows in its corner.</p>
              <ul class="links">
                {(run.proposals ?? [])
                  .filter((s) => run.enabled.includes(s.origin))
                  .map((s) => (
                    <li key={s.origin}>
                      <a href={s.example ?? s.origin} target="_blank" rel="noreferrer" data-testid="try-link">
                        {s.example ?? s.origin}
                      </a>
                    </li>
                  ))}
              </ul>
            </>
          ) : (
            <p>Enable a site from the toolbar popup on one of its pages, or in the options.</p>
          )}
          <div class="actions">
            <button type="button" onClick={onDone}>
              Show all options
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

function Actions({ run, submit, back = false }: { run: ReturnType<typeof useFirstRun>; submit: string; back?: boolean }) {
  return (
    <>
      <div class="actions">
        {back && (
          <button type="button" onClick={run.back} disabled={!!run.busy}>
            Back
          </button>
        )}
        <button type="submit" disabled={!!run.busy}>
          {submit}
        </button>
        <span class="status" role="status" data-testid="first-run-status">
          {run.busy}
        </span>
      </div>
      {run.problem && (
        <p class="field-error" role="alert" data-testid="first-run-problem">
          {run.problem}
        </p>
      )}
    </>
  );
}
