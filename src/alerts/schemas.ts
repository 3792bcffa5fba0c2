import { z } from 'zod';

/**
 * Shapes that cross an edge (CLI flags, HTTP query strings and bodies): parsed here once so the
 * CLI and the HTTP API accept exactly the same filters and actions.
 */

export const TRIAGE_STATUSES = ['open', 'acknowledged', 'resolved', 'invalid', 'suppressed'] as const;
export type TriageStatus = (typeof TRIAGE_STATUSES)[number];

const list = z.preprocess(
  // `?status=open,acknowledged`, `--status open acknowledged` and `--status open,acknowledged` all arrive as one list.
  (v) => (typeof v === 'string' || Array.isArray(v)
    ? [v].flat().flatMap((x) => (typeof x === 'string' ? x.split(',').map((s) => s.trim()).filter(Boolean) : [x]))
    : v),
  z.array(z.string().min(1)),
);
const time = z.coerce.date();

export const alertFilterSchema = z
  .object({
    status: list.optional(),
    detector: list.optional(),
    severity: list.optional(),
    audience: list.optional(),
    team: list.optional(),
    /** Alerts whose incident window ends after this time (the window overlaps [from, to)). */
    from: time.optional(),
    /** Alerts whose incident window starts before this time. */
    to: time.optional(),
  })
  .strict();
export type AlertFilter = z.infer<typeof alertFilterSchema>;

export const alertPageSchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    offset: z.coerce.number().int().min(0).default(0),
    sort: z.enum(['last_seen', 'severity', 'first_seen']).optional(),
    order: z.enum(['asc', 'desc']).optional(),
  })
  .strict();
export type AlertPage = z.infer<typeof alertPageSchema>;

const text = z.string().trim().min(1);

export const triageActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ack') }).strict(),
  z.object({ kind: z.literal('resolve'), note: text.optional() }).strict(),
  z.object({ kind: z.literal('invalid'), reason: text }).strict(),
  z.object({ kind: z.literal('snooze'), until: time }).strict(),
  z.object({ kind: z.literal('assign'), assignee: text }).strict(),
  z.object({ kind: z.literal('comment'), text }).strict(),
  z.object({ kind: z.literal('reopen') }).strict(),
]);
export type TriageAction = z.infer<typeof triageActionSchema>;
