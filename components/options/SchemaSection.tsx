/** Options → Data schema: the event names and each property's spellings, or detected from the data. */
import { TOOL_EVENT_KEYS, TOOL_PROPERTIES } from '../../lib/model/events';
import type { SettingsDraft } from './useSettingsDraft';
import { SetByOrganisation } from './SetByOrganisation';

export function SchemaSection({ form }: { form: SettingsDraft }) {
  const { draft, setSchema, fieldErrors, status, detected, detect } = form;
  return (
    <fieldset disabled={form.locked.has('schema')}>
      <legend>Data schema</legend>
      <SetByOrganisation form={form} field="schema" />
      <p class="help">
        Event names, and for each property the spellings to read (first found wins). Real projects use both <code>tool_name</code> and <code>$tool_name</code>.
      </p>
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
            <input
              id={`ev-${key}`}
              value={draft.schema.events[key]}
              onInput={(e) => setSchema({ ...draft.schema, events: { ...draft.schema.events, [key]: (e.currentTarget as HTMLInputElement).value } })}
            />
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
                  properties: {
                    ...draft.schema.properties,
                    [name]: (e.currentTarget as HTMLInputElement).value
                      .split(',')
                      .map((s) => s.trim())
                      .filter(Boolean),
                  },
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
  );
}
