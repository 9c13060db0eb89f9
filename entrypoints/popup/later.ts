/**
 * What the popup needs after its first paint: the protocol (zod/mini), the stored items (the
 * settings' schema, zod/mini with English messages) and the helpers of its buttons. main.tsx imports this dynamically, so
 * the first paint carries only Preact, the popup's components and settingsAtAGlance.
 */
import '../../lib/model/zodMessages';
export { sendRequest, sendToTab } from '../../lib/protocol/messaging';
export { originOf } from '../../lib/matching/toolMatch';
export { browserStore } from '../../lib/storage/browser';
export { lookupPagePath } from '../../lib/helpers/lookupPage';
export { settingsItem, sitesItem } from '../../lib/storage/items';
export { createSiteAccess } from '../../lib/pages/siteAccess';
export { runDashboardPort } from '../../lib/pages/dashboardPort';
export { createPolicySource, storeWithPolicy } from '../../lib/policy/managed';
