import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Store } from '../../store/store.ts';
import { spendSeriesReport } from '../../views/spend-series.ts';
import { DayRangeTeamQuery } from '../day-range.ts';
import type { ApiEnv } from '../env.ts';
import { problemResponses } from '../problem.ts';

/** /api/spend/series: the FinOps charts (definitions in src/views/spend-series.ts). */

export const SpendSeriesQuery = DayRangeTeamQuery;

const usd = z.number();
export const SpendSeriesResponse = z.object({
  from: z.string(), to: z.string(),
  series: z.array(z.object({
    team: z.string(),
    days: z.array(z.object({ day: z.string(), loggedUsd: usd, billedUsd: usd, approvedUsd: usd.nullable(), unexplainedUsd: usd })),
    approvedChanges: z.array(z.object({ effectiveFrom: z.string(), dailyUsd: usd.nullable(), monthlyUsd: usd.nullable(), note: z.string().nullable() })),
  })),
  byModel: z.array(z.object({ team: z.string(), model: z.string(), usd, loggedUsd: usd, billedUsd: usd })),
  byCredential: z.array(z.object({ team: z.string(), credential: z.string(), source: z.string().openapi({ description: "'gateway' or the provider" }), usd }))
    .openapi({ description: "Each team's largest credentials by spend (at most 10 per team)" }),
  byCredentialRest: z.array(z.object({ team: z.string(), credentials: z.number().int(), usd }))
    .openapi({ description: 'Per team, the credentials byCredential leaves out and their spend' }),
  topMovers: z.array(z.object({ team: z.string(), thisWeekUsd: usd, lastWeekUsd: usd, changeUsd: usd, changePct: z.number().nullable() })),
}).openapi('SpendSeries');

export function spendSeriesRoutes(store: Store) {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(createRoute({
    method: 'get', path: '/api/spend/series', tags: ['finops'], summary: 'Spend per team and day against approved, by model, by credential, top movers',
    security: [{ bearer: [] }], request: { query: SpendSeriesQuery },
    responses: { 200: { description: 'FinOps series', content: { 'application/json': { schema: SpendSeriesResponse } } }, ...problemResponses },
  }), async (c) => c.json(await spendSeriesReport(store, c.req.valid('query')), 200));
  return app;
}
