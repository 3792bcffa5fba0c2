import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * The one configuration object. Every default is stated here; unknown keys are errors (a typo in
 * a config file must not silently fall back to a default). Secrets come only from the environment.
 */
const topicsSchema = z
  .object({
    gateway: z.string().min(1).default('driftwatch.gateway'),
    billing: z.string().min(1).default('driftwatch.billing'),
    idp: z.string().min(1).default('driftwatch.idp'),
    agent: z.string().min(1).default('driftwatch.agent'),
  })
  .strict();

export const configSchema = z
  .object({
    kafka: z
      .object({
        brokers: z.array(z.string().min(1)).min(1).default(['localhost:9092']),
        clientId: z.string().min(1).default('driftwatch'),
        groupId: z.string().min(1).default('driftwatch-ingest'),
        topics: topicsSchema.default(topicsSchema.parse({})),
        /** A member that dies is replaced after this long; shorter means faster failover, more false alarms. */
        sessionTimeoutMs: z.number().int().min(6_000).default(30_000),
        /** Start from the earliest offset when the group has none: nothing already on the topic is lost. */
        fromBeginning: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    clickhouse: z
      .object({
        /** Unset: embedded chdb under dataDir. */
        url: z.string().url().optional(),
        username: z.string().default('default'),
        password: z.string().default(''),
        database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('driftwatch'),
        dataDir: z.string().min(1).default('./.driftwatch/data'),
      })
      .strict()
      .prefault({}),
    ingest: z
      .object({
        /** Flush a partition's buffer at this many rows ... */
        maxBatchRows: z.number().int().positive().default(50_000),
        /** ... or this many bytes of message payload ... */
        maxBatchBytes: z.number().int().positive().default(32 * 1024 * 1024),
        /** ... or when its oldest message is this old. */
        maxBatchAgeMs: z.number().int().positive().default(1_000),
        /** Pause fetching when all buffers together hold this many bytes. */
        maxBufferedBytes: z.number().int().positive().default(256 * 1024 * 1024),
        /** Messages larger than this are rejected as oversized, never parsed. */
        maxMessageBytes: z.number().int().positive().default(1024 * 1024),
        /** Worker threads that decode and encode; 0 decodes on the main thread. */
        decodeWorkers: z.number().int().min(0).max(64).default(Math.max(1, availableParallelism())),
        /** Opt-in: keep prompt/response text. Default stores presence, size and hash only. */
        storePromptText: z.boolean().default(false),
        /** Opt-in: keep unreadable messages (oversized, not UTF-8, not JSON) whole in ingest_rejects. Default: redacted prefix + size + SHA-256. */
        keepWholeRejects: z.boolean().default(false),
        /** Tolerated clock skew for event times in the future. */
        maxFutureSkewMs: z.number().int().nonnegative().default(24 * 3600 * 1000),
      })
      .strict()
      .prefault({}),
    policyFile: z.string().optional(),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
