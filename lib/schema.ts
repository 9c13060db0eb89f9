/**
 * The product's instrumentation, as described in the "Tool Usage Dashboard" spec (seed 000).
 * Real projects spell custom properties with or without a `$` prefix, so every property is read
 * through all of its spellings (see `propertyExpr`).
 */
export const TOOL_EVENTS = {
  viewed: 'tool_viewed',
  uploadStarted: 'tool_upload_started',
  processingStarted: 'tool_processing_started',
  processingCompleted: 'tool_processing_completed',
  processingFailed: 'tool_processing_failed',
  resultDownloaded: 'tool_result_downloaded',
} as const;

export type ToolEventKey = keyof typeof TOOL_EVENTS;

/** The funnel, in order. Labels are what the card shows. */
export const FUNNEL_STEPS: ReadonlyArray<{ key: ToolEventKey; label: string }> = [
  { key: 'viewed', label: 'Viewed' },
  { key: 'uploadStarted', label: 'Uploaded' },
  { key: 'processingStarted', label: 'Processing started' },
  { key: 'processingCompleted', label: 'Completed' },
  { key: 'resultDownloaded', label: 'Downloaded' },
];

/** Custom properties the card reads. Names are fixed here, never taken from user input. */
export const TOOL_PROPERTIES = ['tool_name', 'session_id', 'processing_duration_ms', 'error_type'] as const;
export type ToolProperty = (typeof TOOL_PROPERTIES)[number];

/**
 * HogQL for a property under both spellings: `coalesce(properties.x, properties.$x)`.
 * Only names from TOOL_PROPERTIES reach this, so they are safe to print as identifiers.
 */
export function propertyExpr(name: ToolProperty): string {
  return `coalesce(properties.${name}, properties.$${name})`;
}
