import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';

/** The one error body every route answers with: a stable code, a sentence, and details when useful. */
export const ProblemSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi('Problem');

export type Problem = z.infer<typeof ProblemSchema>;

export function problem<S extends ContentfulStatusCode>(c: Context, status: S, code: string, message: string, issues?: Problem['error']['issues']) {
  return c.json({ error: { code, message, ...(issues ? { issues } : {}) } } satisfies Problem, status);
}

export const problemResponses = {
  400: { description: 'Invalid request', content: { 'application/json': { schema: ProblemSchema } } },
  401: { description: 'No valid bearer token', content: { 'application/json': { schema: ProblemSchema } } },
} as const;
