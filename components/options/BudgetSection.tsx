/** Options → Request budget: how many HogQL queries Tool Lens may send PostHog, within the key's limit. */
import { BUDGET_LIMITS, DEFAULT_BUDGET, POSTHOG_QUERY_LIMIT_PER_HOUR } from '../../lib/model/limits';
import { numberOf, type SettingsDraft } from './useSettingsDraft';
import { SetByOrganisation } from './SetByOrganisation';

export function BudgetSection({ form }: { form: SettingsDraft }) {
  const { draft, patch, fieldErrors, error, describedBy } = form;
  return (
    <fieldset disabled={form.locked.has('requestBudget') && form.locked.has('queryLimitPerHour')}>
      <legend>Request budget</legend>
      <SetByOrganisation form={form} field="requestBudget" />
      <p class="help" id="requestBudget-help">
        Every HogQL query Tool Lens sends to PostHog (cards, triage, lookups, alerts, auto-mapping) spends from this one budget: up to this many at once,
        refilled evenly over the hour; PostHog's other endpoints (the popup's dashboards, annotations) are not under its query limit and spend nothing. PostHog
        allows each personal API key {POSTHOG_QUERY_LIMIT_PER_HOUR} HogQL queries an hour (answers from its cache count too), so the budget cannot go above the
        key's limit. If PostHog raised your team's limit (its <code>api_query_rate_limit</code>, set by PostHog or on a self-hosted instance), enter the new
        limit and the budget may grow up to it. When the budget is spent, cards show their last figures marked stale and say when they will ask again. Default:{' '}
        {DEFAULT_BUDGET.capacity} at once, {DEFAULT_BUDGET.refillPerHour} an hour.
      </p>
      <div class="grid">
        <label for="budgetCapacity">Requests at once</label>
        <input
          id="budgetCapacity"
          disabled={form.locked.has('requestBudget')}
          type="number"
          min={BUDGET_LIMITS.capacity.min}
          max={BUDGET_LIMITS.capacity.max}
          step={1}
          value={draft.requestBudget.capacity}
          onInput={(e) => patch({ requestBudget: { ...draft.requestBudget, capacity: numberOf(e) } }, 'requestBudget.capacity')}
          aria-invalid={!!fieldErrors['requestBudget.capacity']}
          aria-describedby={describedBy('requestBudget.capacity', 'requestBudget-help')}
        />
        <label for="budgetRefillPerHour">Requests added per hour</label>
        <input
          id="budgetRefillPerHour"
          disabled={form.locked.has('requestBudget')}
          type="number"
          min={BUDGET_LIMITS.refillPerHour.min}
          max={BUDGET_LIMITS.refillPerHour.max}
          step={1}
          value={draft.requestBudget.refillPerHour}
          onInput={(e) => patch({ requestBudget: { ...draft.requestBudget, refillPerHour: numberOf(e) } }, 'requestBudget.refillPerHour')}
          aria-invalid={!!fieldErrors['requestBudget.refillPerHour']}
          aria-describedby={describedBy('requestBudget.refillPerHour', 'requestBudget-help')}
        />
        <label for="queryLimitPerHour">PostHog's query limit for this key (per hour)</label>
        <input
          id="queryLimitPerHour"
          disabled={form.locked.has('queryLimitPerHour')}
          type="number"
          min={1}
          step={1}
          value={draft.queryLimitPerHour}
          onInput={(e) => patch({ queryLimitPerHour: numberOf(e) }, 'queryLimitPerHour')}
          aria-invalid={!!fieldErrors['queryLimitPerHour']}
          aria-describedby={describedBy('queryLimitPerHour', 'requestBudget-help')}
        />
      </div>
      {error('requestBudget.capacity')}
      {error('requestBudget.refillPerHour')}
      {error('queryLimitPerHour')}
    </fieldset>
  );
}
