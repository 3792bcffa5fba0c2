import { z } from '@hono/zod-openapi';

/** `?from=YYYY-MM-DD&to=YYYY-MM-DD&team=a,b`: whole UTC days [from, to), at most 400 of them, and an optional team list. */
const day = z.iso.date();

export const dayRangeFields = {
  from: day.openapi({ description: 'first UTC day, inclusive (YYYY-MM-DD)' }),
  to: day.openapi({ description: 'last UTC day, exclusive' }),
};

export const DayRangeTeamQuery = z.object({
  ...dayRangeFields,
  team: z.string().optional().transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []))
    .openapi({ description: 'comma-separated team ids; empty = every team' }),
})
  .refine((q) => q.from < q.to, { message: 'from must be before to', path: ['to'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 400 * 86_400_000, { message: 'at most 400 days', path: ['to'] });
