/** Options: one section per concern (connection, card and alerts, request budget, data schema); the logic is useSettingsDraft's. */
import type { DetectSchemaResponse, GroupTypesResponse, TestConnectionResponse } from '../../lib/protocol/messages';
import type { Settings } from '../../lib/settings/settings';
import { BudgetSection } from './BudgetSection';
import { CardAlertsSection } from './CardAlertsSection';
import { ConnectionSection, type SignInActions } from './ConnectionSection';
import { SchemaSection } from './SchemaSection';
import { useSettingsDraft, type Draft } from './useSettingsDraft';

export interface OptionsFormProps {
  initial: Draft;
  onSave: (settings: Settings) => Promise<void>;
  onTest: () => Promise<TestConnectionResponse>;
  onDetect: () => Promise<DetectSchemaResponse>;
  /** Asks for the notifications permission (in the click that turns notifications on): null when granted, else why not. */
  onRequestNotifications: () => Promise<string | null>;
  /** The project's group types, for a segment on a group property. */
  onLoadGroupTypes: () => Promise<GroupTypesResponse>;
  /** "Sign in with PostHog" on the drafted host (the projects the sign-in sees, or why it failed), and signing out. */
  signIn?: SignInActions;
  /** The fields the organisation's policy fixes. */
  locked?: ReadonlySet<string>;
}

const STEP_LABELS: Record<TestConnectionResponse['checks'][number]['step'], string> = {
  settings: 'Settings',
  user: 'API key',
  project: 'Project',
  query: 'Query API',
};

export function OptionsForm({ initial, onSave, onTest, onDetect, onRequestNotifications, onLoadGroupTypes, signIn, locked }: OptionsFormProps) {
  const form = useSettingsDraft(initial, { onSave, onTest, onDetect }, locked);
  const { status, result, save, saveAndTest } = form;
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

      <ConnectionSection form={form} signIn={signIn} />
      <CardAlertsSection form={form} onRequestNotifications={onRequestNotifications} onLoadGroupTypes={onLoadGroupTypes} />
      <BudgetSection form={form} />
      <SchemaSection form={form} />

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
