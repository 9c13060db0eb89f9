/**
 * A project as a whole: its tools' standing against each other, and its dashboards.
 */
import * as z from 'zod/mini';
import { count, maybeNumber } from './checks';

const positionSchema = z.object({ position: z.number(), of: z.number() });
export const rankedToolSchema = z.object({
  tool: z.string(),
  started: count(),
  failed: count(),
  viewers: count(),
  downloaders: count(),
  n: count(),
  p95Ms: maybeNumber(),
  standing: z.object({
    tool: z.string(),
    p95: z.nullable(positionSchema),
    failureRate: z.nullable(z.object({ position: z.number(), of: z.number(), timesMedian: maybeNumber() })),
    viewToDownload: z.nullable(positionSchema),
  }),
});
export type RankedTool = z.infer<typeof rankedToolSchema>;

export const dashboardEntrySchema = z.object({
  id: z.number(),
  name: z.string(),
  description: z.string(),
  pinned: z.boolean(),
  url: z.string(),
  recent: z.boolean(),
});
export type DashboardEntry = z.infer<typeof dashboardEntrySchema>;
