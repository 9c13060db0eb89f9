/** The Tool Usage dashboard's name: on its own, so the popup's list reads it without the definition's imports (zod among them). */
export const DASHBOARD_NAME = 'Tool Usage Analytics';
