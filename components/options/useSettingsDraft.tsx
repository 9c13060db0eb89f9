/**
 * The options form's logic: the draft being edited, its field errors, saving (checked against the
 * settings schema: a bad field is named, nothing is lost), the connection test and schema detection.
 */
import { useState } from 'preact/hooks';
import type { DetectSchemaResponse, TestConnectionResponse } from '../../lib/protocol/messages';
import type { SchemaMapping } from '../../lib/model/events';
import { applyDetection } from '../../lib/instrumentation/detect';
import { settingsSchema, type Settings } from '../../lib/settings/settings';

export type Draft = Settings | (Omit<Settings, 'apiKey' | 'projectId'> & { apiKey: string; projectId: string });
export type FormStatus = { kind: 'idle' | 'busy' | 'saved' | 'error'; text?: string };

export interface DraftDeps {
  onSave: (settings: Settings) => Promise<void>;
  onTest: () => Promise<TestConnectionResponse>;
  onDetect: () => Promise<DetectSchemaResponse>;
}

export type SettingsDraft = ReturnType<typeof useSettingsDraft>;

/** `locked`: the fields the organisation's policy fixes (shown, not editable). */
export function useSettingsDraft(initial: Draft, deps: DraftDeps, locked: ReadonlySet<string> = new Set()) {
  const [draft, setDraft] = useState<Draft>(initial);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<FormStatus>({ kind: 'idle' });
  const [result, setResult] = useState<TestConnectionResponse | null>(null);
  const [detected, setDetected] = useState<string | null>(null);

  /** Changes part of the draft; `field` names the field whose error the change clears. */
  const patch = (change: Partial<Draft>, field?: string) => {
    setDraft((d) => ({ ...d, ...change }));
    if (field) setFieldErrors((e) => ({ ...e, [field]: '' }));
    setResult(null);
  };
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
      await deps.onSave(parsed.data);
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
      const answer = await deps.onTest();
      setResult(answer);
      setStatus(answer.ok ? { kind: 'saved', text: 'Connected.' } : { kind: 'error', text: 'Connection failed: see below.' });
    } catch (error) {
      setStatus({ kind: 'error', text: `Test failed: ${(error as Error).message}` });
    }
  }

  /** Reads the spellings from the project's data into the draft, for the user to review and save. */
  async function detect() {
    if (!(await save())) return;
    setStatus({ kind: 'busy', text: 'Looking at the last 30 days of events…' });
    const answer = await deps.onDetect().catch((error: Error) => ({ ok: false as const, error: { kind: 'bad_response' as const, message: error.message } }));
    if (!answer.ok) {
      setStatus({ kind: 'error', text: `Detection failed: ${answer.error.message}` });
      return;
    }
    const { schema, notes, missingEvents } = applyDetection(draft.schema, answer);
    setSchema(schema);
    setDetected(`${notes.join('; ')}${missingEvents.length ? `. No events named ${missingEvents.join(', ')} in ${answer.days} days.` : ''}`);
    setStatus({ kind: 'idle', text: 'Detected: review and save.' });
  }

  /** A field's error, announced, with the id its input's aria-describedby names. */
  const error = (field: string) =>
    fieldErrors[field] ? (
      <p class="field-error" id={`${field.replace(/\./g, '-')}-error`} role="alert">
        {fieldErrors[field]}
      </p>
    ) : null;

  /** aria-describedby for a field: its error's id only while the error is shown, then any help ids. */
  const describedBy = (field: string, ...help: string[]) =>
    [fieldErrors[field] ? `${field.replace(/\./g, '-')}-error` : null, ...help].filter(Boolean).join(' ') || undefined;

  return { draft, locked, patch, setSchema, fieldErrors, error, describedBy, status, setStatus, result, detected, save, saveAndTest, detect };
}

/** A number input's value. */
export const numberOf = (event: Event) => Number((event.currentTarget as HTMLInputElement).value);
