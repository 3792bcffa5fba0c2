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

/**
 * Alert delivery (src/alerts/). Secrets (HMAC secrets, tokens, routing keys, webhook URLs that
 * embed a token) are never written here: `secretFromEnv` / `secretFile` and `urlFromEnv` /
 * `urlFile` name where they are read from at start-up.
 */
const DESTINATION_TYPES = ['webhook', 'slack', 'pagerduty', 'splunk_hec', 'kafka', 'stdout'] as const;
const oneOrMany = z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(z.string().min(1)).min(1));
const destinationSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" or "-"'),
    type: z.enum(DESTINATION_TYPES),
    url: z.string().url().optional(),
    urlFromEnv: z.string().min(1).optional(),
    urlFile: z.string().min(1).optional(),
    /** webhook: HMAC key; pagerduty: routing key; splunk_hec: HEC token. */
    secretFromEnv: z.string().min(1).optional(),
    secretFile: z.string().min(1).optional(),
    /** kafka: topic. */
    topic: z.string().min(1).default('driftwatch.alerts'),
    /** splunk_hec: the `host` field of the event envelope; Splunk `index` when set. */
    host: z.string().min(1).optional(),
    index: z.string().min(1).optional(),
    /** Per-destination override of dispatcher.timeoutMs. */
    timeoutMs: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    const urls = [d.url, d.urlFromEnv, d.urlFile].filter((v) => v !== undefined).length;
    const needsUrl = d.type === 'webhook' || d.type === 'slack' || d.type === 'splunk_hec';
    if (needsUrl && urls === 0) ctx.addIssue({ code: 'custom', path: ['url'], message: `a ${d.type} destination needs url, urlFromEnv or urlFile` });
    if (urls > 1) ctx.addIssue({ code: 'custom', path: ['url'], message: 'give only one of url, urlFromEnv, urlFile' });
    const secrets = [d.secretFromEnv, d.secretFile].filter((v) => v !== undefined).length;
    if ((d.type === 'webhook' || d.type === 'pagerduty' || d.type === 'splunk_hec') && secrets === 0) {
      ctx.addIssue({ code: 'custom', path: ['secretFromEnv'], message: `a ${d.type} destination needs secretFromEnv or secretFile` });
    }
    if (secrets > 1) ctx.addIssue({ code: 'custom', path: ['secretFromEnv'], message: 'give only one of secretFromEnv, secretFile' });
  });
const routeSchema = z
  .object({
    match: z
      .object({ detector: oneOrMany.optional(), severity: oneOrMany.optional(), audience: oneOrMany.optional(), team: oneOrMany.optional() })
      .strict()
      .default({}),
    destinations: z.array(z.string().min(1)).min(1),
  })
  .strict();
const alertsSchema = z
  .object({
    destinations: z.array(destinationSchema).default([]),
    routes: z.array(routeSchema).default([]),
    dispatcher: z
      .object({
        pollMs: z.number().int().positive().default(1_000),
        /** After this many failed attempts a delivery is given up (state failed, kept for audit). */
        maxAttempts: z.number().int().positive().default(12),
        /** Retry n waits baseDelayMs * 2^(n-1), capped at maxDelayMs. */
        baseDelayMs: z.number().int().positive().default(5_000),
        maxDelayMs: z.number().int().positive().default(3_600_000),
        timeoutMs: z.number().int().positive().default(10_000),
        /** Due deliveries read per poll, and sent at once per destination. */
        batchSize: z.number().int().positive().default(500),
        concurrency: z.number().int().positive().default(16),
      })
      .strict()
      .prefault({}),
    /** A firing of the same detector + entity within this long of the last is grouped into that alert. */
    suppressionWindowMs: z.number().int().nonnegative().default(24 * 3600 * 1000),
    suppressionWindowByDetector: z.record(z.string(), z.number().int().nonnegative()).default({}),
    consoleBaseUrl: z.string().url().default('http://localhost:8080'),
  })
  .strict()
  .superRefine((a, ctx) => {
    const names = new Set<string>();
    a.destinations.forEach((d, i) => {
      if (names.has(d.name)) ctx.addIssue({ code: 'custom', path: ['destinations', i, 'name'], message: `duplicate destination ${d.name}` });
      names.add(d.name);
    });
    a.routes.forEach((r, i) => r.destinations.forEach((n, j) => {
      if (!names.has(n)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'destinations', j], message: `unknown destination ${n}` });
    }));
  });
export type AlertsConfig = z.infer<typeof alertsSchema>;
export type DestinationConfig = AlertsConfig['destinations'][number];
export type RouteConfig = AlertsConfig['routes'][number];

/** TLS to the brokers: CA, client certificate and key as PEM files (mounted secrets). */
const kafkaSslSchema = z
  .object({
    /** PEM file of the CA(s) that signed the brokers' certificates; default: the system's CAs. */
    caFile: z.string().min(1).optional(),
    /** Client certificate and key (mutual TLS), PEM files. */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    /** Only for a test broker: false accepts any certificate. */
    rejectUnauthorized: z.boolean().default(true),
    /** Server name to verify, when it differs from the broker address. */
    servername: z.string().min(1).optional(),
  })
  .strict()
  .refine((s) => (s.certFile === undefined) === (s.keyFile === undefined), { message: 'certFile and keyFile go together' });

/**
 * SASL. Secrets never sit in the config file: the password comes from KAFKA_SASL_PASSWORD or a
 * file (passwordFile, e.g. a mounted secret), the OAUTHBEARER token from KAFKA_SASL_OAUTH_TOKEN or
 * tokenFile (re-read at every authentication, so a sidecar can rotate it).
 */
const kafkaSaslSchema = z
  .object({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer']),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    passwordFile: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.mechanism === 'oauthbearer') {
      if (!s.token && !s.tokenFile) ctx.addIssue({ code: 'custom', path: ['tokenFile'], message: 'oauthbearer needs tokenFile or KAFKA_SASL_OAUTH_TOKEN' });
      return;
    }
    if (!s.username) ctx.addIssue({ code: 'custom', path: ['username'], message: `${s.mechanism} needs a username (or KAFKA_SASL_USERNAME)` });
    if (!s.password && !s.passwordFile) ctx.addIssue({ code: 'custom', path: ['passwordFile'], message: `${s.mechanism} needs passwordFile or KAFKA_SASL_PASSWORD` });
  });

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
        ssl: kafkaSslSchema.optional(),
        sasl: kafkaSaslSchema.optional(),
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
        /**
         * The store refusing writes for a reason that passes (disk full, too many parts, memory,
         * network): the partitions whose batch it refused pause fetching and their batch is
         * retried with backoff, nothing committed past what is stored (src/ingest/store-outage.ts).
         */
        storeOutage: z
          .object({
            /** Backoff between retries doubles from 200 ms up to this. */
            retryMaxDelayMs: z.number().int().min(200).default(30_000),
            /**
             * 0: wait for the store as long as it takes (readyz and metrics show the outage). Else
             * stop ingest with a non-zero exit once a partition has waited this long, for an
             * orchestrator that should restart it instead.
             */
            giveUpAfterMs: z.number().int().nonnegative().default(0),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    alerts: alertsSchema.prefault({}),

    service: z
      .object({
        /** HTTP port of the api role (`run --port` overrides). */
        port: z.number().int().min(0).max(65_535).default(7070),
        /**
         * Scheduler / dispatcher / migrations leases: a replica that dies is replaced after this
         * long; renewed every third of it. Longer tolerates slower stores, shorter fails over faster.
         */
        leaseTtlMs: z.number().int().min(1_000).default(15_000),
        /**
         * The analyst console's session cookie: `Secure` always, never, or (auto) when the request
         * came over TLS or through a proxy sending `X-Forwarded-Proto: https`.
         */
        secureCookies: z.enum(['auto', 'always', 'never']).default('auto'),
        /**
         * Seconds between the scheduler's ticks per detector (src/detect/scheduler.ts): how soon a
         * window runs once it is due and its sources' data has landed. A tick with nothing due is
         * one small read.
         */
        detectPollSeconds: z.number().int().min(1).max(3_600).default(15),
        /**
         * Detector cycles run side by side, each on a store session of its own (src/detect/lanes.ts):
         * detection never queues behind ingest's inserts, and one slow detector does not hold the
         * others back. More lanes than cores buys little (bench:detect).
         */
        detectLanes: z.number().int().min(1).max(16).default(2),
      })
      .strict()
      .prefault({}),
    /** The HTTP API's bearer tokens; its port is service.port. Environment only (secrets). */
    api: z
      .object({
        /** DRIFTWATCH_READ_TOKEN: GET under /api/. Unset: nobody reads (401). */
        readToken: z.string().min(16, 'tokens must be at least 16 characters').optional(),
        /** DRIFTWATCH_WRITE_TOKEN: reads and triage actions. */
        writeToken: z.string().min(16, 'tokens must be at least 16 characters').optional(),
      })
      .strict()
      .prefault({}),
    policyFile: z.string().optional(),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
