/** Options: export settings (without the key) and import them back, with every problem named. */
import { useState } from 'preact/hooks';
import { importSettings, MAX_IMPORT_BYTES } from '../../lib/settings/transfer';

export interface SettingsTransferProps {
  exportJson: () => Promise<string>;
  /** Applies an import; returns what still needs doing (e.g. permissions to grant), or null. */
  apply: (result: Extract<ReturnType<typeof importSettings>, { ok: true }>) => Promise<string | null>;
}

export function SettingsTransfer({ exportJson, apply }: SettingsTransferProps) {
  const [href, setHref] = useState<string | null>(null);
  const [status, setStatus] = useState<{ ok: boolean; lines: string[] } | null>(null);

  async function onFile(event: Event) {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    if (file.size > MAX_IMPORT_BYTES) return setStatus({ ok: false, lines: [`${file.name} is ${Math.ceil(file.size / 1024)} KB: a settings file is at most ${MAX_IMPORT_BYTES / 1024} KB.`] });
    const result = importSettings(await file.text());
    if (!result.ok) return setStatus({ ok: false, lines: [`${file.name} was not imported:`, ...result.errors] });
    const todo = await apply(result);
    setStatus({ ok: true, lines: [`Imported ${result.sites.length} site(s) and the card options. Your API key was kept.`, ...(todo ? [todo] : [])] });
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
