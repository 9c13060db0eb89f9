/** Said beside a setting the organisation's policy fixes (lib/policy/): the field is shown, locked. */
import { useState } from 'preact/hooks';
import type { SettingsDraft } from './useSettingsDraft';

export function SetByOrganisation({ form, field }: { form: SettingsDraft; field: string }) {
  return form.locked.has(field) ? (
    <p class="help org-policy" data-testid={`locked-${field}`}>
      Set by your organisation
    </p>
  ) : null;
}

/** The policy's unknown or invalid values: reported, each ignored (the rest of the policy applies). */
export function PolicyProblems({ problems }: { problems: string[] }) {
  if (!problems.length) return null;
  return (
    <div role="alert" class="field-error options" data-testid="policy-problems">
      <p>Your organisation's policy has values Tool Lens ignores:</p>
      <ul>
        {problems.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The sites the policy lists, with their rules: not editable here. The browser still asks the user
 * for each site's permission: one click asks for every one not granted yet.
 */
export function PolicySites({ origins, onAllow }: { origins: string[]; onAllow: () => Promise<string | null> }) {
  const [said, setSaid] = useState<string | null>(null);
  if (!origins.length) return null;
  return (
    <fieldset data-testid="policy-sites">
      <legend>Sites set by your organisation</legend>
      <ul>
        {origins.map((o) => (
          <li key={o}>{o}</li>
        ))}
      </ul>
      <button type="button" onClick={() => void onAllow().then((problem) => setSaid(problem ?? 'Tool Lens may run on these sites.'))}>
        Allow these sites
      </button>
      {said && <p role="status">{said}</p>}
    </fieldset>
  );
}

/**
 * A new install under a policy that names the connection: instead of the four-step first run, what
 * is left to do, in order. The fields it names are below, the rest locked.
 */
export function PolicyWelcome({ signInOnly, sites }: { signInOnly: boolean; sites: number }) {
  return (
    <div class="options" role="status" data-testid="policy-welcome">
      <h2>Your organisation has set Tool Lens up</h2>
      <ol>
        <li>
          {signInOnly ? 'Sign in with PostHog (under Connection).' : 'Sign in with PostHog, or paste your personal API key (under Connection), and save.'}
        </li>
        {sites > 0 && <li>Allow the {sites === 1 ? 'site' : `${sites} sites`} your organisation listed (one click, under Sites set by your organisation).</li>}
      </ol>
    </div>
  );
}
