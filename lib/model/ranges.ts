export const RANGES = {
  '1h': { seconds: 3600, label: 'Last hour' },
  '24h': { seconds: 86_400, label: 'Last 24 hours' },
  '7d': { seconds: 7 * 86_400, label: 'Last 7 days' },
  '30d': { seconds: 30 * 86_400, label: 'Last 30 days' },
} as const;

export type RangeKey = keyof typeof RANGES;
export const RANGE_KEYS = Object.keys(RANGES) as RangeKey[];
export const DEFAULT_RANGE: RangeKey = '7d';
