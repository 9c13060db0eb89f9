/** Options: export settings (without the key) and import them back, with every problem named. */
import { useState } from 'preact/hooks';
import { importSettings, MAX_IMPORT_BYTES, planImport, type ImportPlan } from '../../lib/settings/transfer';

export interface SettingsTransferProps {
  exportJson: () => Promise<string>;
  /** The settings as stored now (unchecked): which connection the key or sign-in belongs to. */
  stored: () => Promise<unknown>;
  /** Stores an import; returns what still needs doing (e.g. permissions to grant), or null. */
  apply: (plan: ImportPlan) => Promise<string | null>;
}

export function SettingsTransfer({ exportJson, stored, apply }: SettingsTransferProps) {
  const [href, setHref] = useState<string | null>(null);
  const [status, setStatus] = useState<{ ok: boolean; lines: string[] } | null>(null);
  /** A file that connects elsewhere, waiting for the user to say so. */
  const [pending, setPending] = useState<ImportPlan | null>(null);

  async function store(plan: ImportPlan) {
    setPending(null);
    const todo = await apply(plan);
    const key = plan.changed ? `Your API key and sign-in were removed: add a key or sign in for ${plan.changed.to} above.` : 'Your API key was kept.';
    setStatus({ ok: true, lines: [`Imported ${plan.sites.length} site(s) and the card options. ${key}`, ...(todo ? [todo] : [])] });
  }

  async function onFile(event: Event) {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setPending(null);
    if (file.size > MAX_IMPORT_BYTES)
      return setStatus({ ok: false, lines: [`${file.name} is ${Math.ceil(file.size / 1024)} KB: a settings file is at most ${MAX_IMPORT_BYTES / 1024} KB.`] });
    const result = importSettings(await file.text());
    // The same file may be picked again after a cancel.
    input.value = '';
    if (!result.ok) return setStatus({ ok: false, lines: [`${file.name} was not imported:`, ...result.errors] });
    const plan = planImport(await stored(), result);
    setStatus(null);
    // Another host or project: the key must not follow the file there unseen.
    if (plan.changed) return setPending(plan);
    await store(plan);
  }

  return (
    <fieldset data-testid="transfer">
      <legend>Import and export</legend>
      <p class="help">The file holds the host, project, card options, schema and sites — never the API key.</p>
      <div class="actions">
        <button
          type="button"
          onClick={async () => {
            setHref(URL.createObjectURL(new Blob([await exportJson()], { type: 'application/json' })));
          }}
        >
          Export settings
        </button>
        {href && (
          <a href={href} download="tool-lens-settings.json" data-testid="export-link">
            Download tool-lens-settings.json
          </a>
        )}
        <label class="inline">
          Import settings <input type="file" accept="application/json,.json" onChange={(e) => void onFile(e)} data-testid="import-file" />
        </label>
      </div>
      {pending?.changed && (
        <div role="alert" class="field-error" data-testid="import-confirm">
          <p>
            This file connects Tool Lens to {pending.changed.to}, not to {pending.changed.from}. Your API key or sign-in is for {pending.changed.from} only:
            importing removes it, and you add a key or sign in for {pending.changed.to} afterwards.
          </p>
          <div class="actions">
            <button type="button" data-action="import" onClick={() => void store(pending)}>
              Import and remove my key
            </button>
            <button type="button" data-action="cancel" onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {status && (
        <div role={status.ok ? 'status' : 'alert'} class={status.ok ? 'help' : 'field-error'} data-testid="import-status">
          {status.lines.map((line) => (
            <p key={line}>{line}</p>
          ))}
        </div>
      )}
    </fieldset>
  );
}
