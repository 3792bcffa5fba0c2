import type { z } from '@hono/zod-openapi';

/** An OpenAPI response (for createRoute's `responses`) whose body is JSON of `schema`. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
