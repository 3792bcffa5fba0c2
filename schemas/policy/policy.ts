import { z } from 'zod';
import { agentBoundariesSchema, agentBoundaryReferences } from './agent-boundaries.ts';
import { detectorParamsSection } from './detector-params.ts';
import { workloadIdentitySection, workloadIdentityReferences } from './workload-identity.ts';

/**
 * The approved-usage policy: the single record of what is approved (issue 3). It is YAML in the
 * repository of whoever governs AI use, validated here, and synced into ClickHouse tables
 * (src/policy/sync.ts, schemas/clickhouse/0007_policy.sql) so detectors join it in SQL.
 *
 * Every object is `.strict()`: a typo such as `dailyUSD` must be an error, never a silently
 * missing budget. Cross-references (a credential naming an unknown team, two teams claiming the
 * same alias, budgets out of order) are checked in `policySchema`'s superRefine so they are
 * reported with the path of the offending field, like any other error.
 */

/** Lower-case identifier used for teams, gateways, task classes and credentials. */
export const policyId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" or "-" (e.g. team-platform-eng)');

const email = z.email().transform((v) => v.toLowerCase());

/** A calendar date (`2026-08-01`, UTC midnight) or an instant (`2026-08-01T12:00:00Z`). */
export const policyTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'expected a date YYYY-MM-DD or an ISO 8601 time with zone, e.g. 2026-08-01T12:00:00Z',
});

/** Glob: `*` any run of characters, `?` one character; everything else literal. */
const glob = z.string().min(1);
const nonEmptyText = z.string().trim().min(1);

const member = z.preprocess(
  // `- alice@example.com` is shorthand for a member without effective dates.
  (v) => (typeof v === 'string' ? { email: v } : v),
  z
    .object({
      email,
      /** Membership effective from (inclusive). Absent: always. */
      from: policyTime.optional(),
      /** Membership ends (exclusive), e.g. a move to another team or offboarding. */
      to: policyTime.optional(),
    })
    .strict()
    .refine((m) => m.from === undefined || m.to === undefined || Date.parse(m.from) < Date.parse(m.to), {
      message: '`to` must be after `from`',
      path: ['to'],
    }),
);

/**
 * One approved-usage entry. A team lists several, each effective from a date until the next one,
 * so an approved increase is a new entry (with a `note`, e.g. the ticket), not an edited number.
 */
const budget = z
  .object({
    from: policyTime,
    dailyUsd: z.number().nonnegative().optional(),
    monthlyUsd: z.number().nonnegative().optional(),
    dailyTokens: z.number().int().nonnegative().optional(),
    monthlyTokens: z.number().int().nonnegative().optional(),
    note: nonEmptyText.optional(),
  })
  .strict()
  .refine((b) => [b.dailyUsd, b.monthlyUsd, b.dailyTokens, b.monthlyTokens].some((v) => v !== undefined), {
    message: 'set at least one of dailyUsd, monthlyUsd, dailyTokens, monthlyTokens',
  });

const toolSet = z
  .object({
    /** Agent tool names (Claude Code `tool_name`, e.g. Bash, Edit, mcp__github__create_pr); globs. */
    tools: z.array(glob).default([]),
    /** MCP server names (agent `mcp_server.name`, gateway MCP server); globs. */
    mcpServers: z.array(glob).default([]),
  })
  .strict();

const team = z
  .object({
    id: policyId,
    name: nonEmptyText,
    owner: email,
    /** Other spellings of this team in the logs: OTel `team.id`, LiteLLM team alias, Kong custom_id. */
    aliases: z.array(nonEmptyText).default([]),
    /** IdP groups whose members belong to the team (Okta group names, Entra group names or ids). */
    idpGroups: z.array(nonEmptyText).default([]),
    members: z.array(member).default([]),
    budgets: z.array(budget).default([]),
    /** Tools and MCP servers approved for this team, on top of the org-wide ones. */
    tools: toolSet.optional(),
  })
  .strict();

const taskClass = z
  .object({
    id: policyId,
    description: nonEmptyText.optional(),
    /**
     * How a gateway request is classified: any rule matching classifies it. Classes are tried in
     * file order; the first class that matches wins.
     */
    match: z
      .object({
        tags: z.array(nonEmptyText).default([]),
        routes: z.array(glob).default([]),
        keyAliases: z.array(glob).default([]),
        userAgents: z.array(glob).default([]),
      })
      .strict()
      .refine((m) => m.tags.length + m.routes.length + m.keyAliases.length + m.userAgents.length > 0, {
        message: 'give at least one of tags, routes, keyAliases, userAgents',
      }),
    /** Models approved org-wide for this class (canonical ids or globs, e.g. claude-sonnet-4-5*). */
    models: z.array(glob).min(1),
    /** Per-team replacement of `models` for this class. */
    teamOverrides: z.array(z.object({ team: policyId, models: z.array(glob).min(1) }).strict()).default([]),
  })
  .strict();

const credentialBase = {
  /** Name of this credential in the policy (stable, used as the alert's credential label). */
  id: policyId,
  /** Gateway that holds it (must be listed under `gateways`). */
  gateway: policyId,
  /** Team the credential is dedicated to, if any. */
  team: policyId.optional(),
  description: nonEmptyText.optional(),
};

/** Provider credentials the gateway holds; usage on any other key/workspace/principal is unmanaged. */
const credential = z.discriminatedUnion('provider', [
  z
    .object({
      ...credentialBase,
      provider: z.literal('anthropic'),
      apiKeyId: z.string().regex(/^apikey_[A-Za-z0-9]+$/, 'Anthropic API key ids look like apikey_01…').optional(),
      workspaceId: z.string().regex(/^wrkspc_[A-Za-z0-9]+$/, 'Anthropic workspace ids look like wrkspc_01…').optional(),
    })
    .strict()
    .refine((c) => c.apiKeyId !== undefined || c.workspaceId !== undefined, {
      message: 'give apiKeyId and/or workspaceId (a workspace alone means every key in it is gateway-held)',
    }),
  z
    .object({
      ...credentialBase,
      provider: z.literal('openai'),
      apiKeyId: z.string().regex(/^key_[A-Za-z0-9]+$/, 'OpenAI API key ids look like key_…').optional(),
      projectId: z.string().regex(/^proj_[A-Za-z0-9]+$/, 'OpenAI project ids look like proj_…').optional(),
    })
    .strict()
    .refine((c) => c.apiKeyId !== undefined || c.projectId !== undefined, {
      message: 'give apiKeyId and/or projectId (a project alone means every key in it is gateway-held)',
    }),
  z
    .object({
      ...credentialBase,
      provider: z.literal('bedrock'),
      awsAccount: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id').optional(),
      /** IAM role/user ARN or assumed-role session ARN; `*` globs, e.g. …:assumed-role/litellm-gateway/* */
      awsPrincipalArn: z.string().regex(/^arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*):.+$/, 'an IAM or STS principal ARN').optional(),
    })
    .strict()
    .refine((c) => c.awsAccount !== undefined || c.awsPrincipalArn !== undefined, {
      message: 'give awsPrincipalArn and/or awsAccount (an account alone means the whole account is gateway-held)',
    }),
]);

/** A gateway virtual key (LiteLLM) or consumer credential (Kong) and the human accountable for it. */
const gatewayKey = z
  .object({
    gateway: policyId,
    /** LiteLLM virtual-key hash (SpendLogs `api_key`, SHA-256 hex). */
    keyHash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hex digest (LiteLLM hashes virtual keys)').optional(),
    /** LiteLLM key alias or Kong consumer username. */
    keyAlias: nonEmptyText.optional(),
    /** Kong `authenticated_entity.id`. */
    kongCredentialId: z.uuid().optional(),
    owner: email,
    team: policyId,
    description: nonEmptyText.optional(),
  })
  .strict()
  .refine((k) => k.keyHash !== undefined || k.keyAlias !== undefined || k.kongCredentialId !== undefined, {
    message: 'give keyHash, keyAlias or kongCredentialId',
  });

const gateway = z
  .object({
    id: policyId,
    kind: z.enum(['litellm', 'kong']),
    url: z.url().optional(),
    description: nonEmptyText.optional(),
  })
  .strict();

const aiApp = z
  .object({
    idp: z.enum(['okta', 'entra']),
    /** Okta app instance / OAuth client id (0oa…) or Entra appId (GUID). */
    appId: nonEmptyText.optional(),
    /** Display name as the IdP logs it; matched case-insensitively. */
    name: nonEmptyText.optional(),
    /** Teams the app is approved for; absent or empty: the whole organization. */
    teams: z.array(policyId).default([]),
    description: nonEmptyText.optional(),
  })
  .strict()
  .refine((a) => a.appId !== undefined || a.name !== undefined, { message: 'give appId and/or name' });

/**
 * An approved exception: alerts of `detector` about `entity` (globs) are suppressed until
 * `expires`, and cite this entry (src/alerts/noise.ts). Owner and reason are required: an
 * exception nobody answers for is a hole, and expiry forces it to be re-approved.
 */
const exception = z
  .object({
    id: policyId,
    detector: glob,
    entity: glob,
    reason: nonEmptyText,
    owner: email,
    expires: policyTime,
    /** The ticket or approval that granted it. */
    reference: nonEmptyText.optional(),
  })
  .strict();

const policyObject = z
  .object({
    version: z.literal(1),
    organization: z.object({ name: nonEmptyText, emailDomains: z.array(nonEmptyText).default([]) }).strict().optional(),
    gateways: z.array(gateway).min(1),
    teams: z.array(team).min(1),
    taskClasses: z.array(taskClass).default([]),
    credentials: z.array(credential).default([]),
    gatewayKeys: z.array(gatewayKey).default([]),
    /** Tools and MCP servers every team may use. */
    tools: z.object({ orgWide: toolSet.prefault({}) }).strict().prefault({}),
    aiApps: z.array(aiApp).default([]),
    workloadIdentity: workloadIdentitySection.optional(),
    exceptions: z.array(exception).optional(),
    agentBoundaries: agentBoundariesSchema.prefault({}),
    detectors: detectorParamsSection,
  })
  .strict();

type PolicyShape = z.output<typeof policyObject>;
type Ctx = z.core.$RefinementCtx<PolicyShape>;

function duplicates(ctx: Ctx, values: { value: string; path: (string | number)[] }[], what: string): void {
  const seen = new Map<string, string>();
  for (const { value, path } of values) {
    const key = value.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path, message: `${what} "${value}" is already used at ${first}` });
    else seen.set(key, path.join('.'));
  }
}

function references(ctx: Ctx, known: Set<string>, refs: { value: string; path: (string | number)[] }[], what: string): void {
  for (const { value, path } of refs) {
    if (!known.has(value)) ctx.addIssue({ code: 'custom', path, message: `unknown ${what} "${value}"` });
  }
}

/** Checks across sections, each reported at the path of the field to fix. */
function crossChecks(p: PolicyShape, ctx: Ctx): void {
  duplicates(ctx, p.gateways.map((g, i) => ({ value: g.id, path: ['gateways', i, 'id'] })), 'gateway id');
  // A team's id and aliases share one namespace: an alias must resolve to exactly one team.
  duplicates(
    ctx,
    p.teams.flatMap((t, i) => [
      { value: t.id, path: ['teams', i, 'id'] },
      ...t.aliases.map((a, j) => ({ value: a, path: ['teams', i, 'aliases', j] })),
    ]),
    'team id or alias',
  );
  duplicates(ctx, p.taskClasses.map((c, i) => ({ value: c.id, path: ['taskClasses', i, 'id'] })), 'task class id');
  duplicates(ctx, p.credentials.map((c, i) => ({ value: c.id, path: ['credentials', i, 'id'] })), 'credential id');
  duplicates(ctx, (p.exceptions ?? []).map((e, i) => ({ value: e.id, path: ['exceptions', i, 'id'] })), 'exception id');
  p.teams.forEach((t, i) => {
    t.budgets.forEach((b, j) => {
      const prev = t.budgets[j - 1];
      if (prev && Date.parse(prev.from) >= Date.parse(b.from)) {
        ctx.addIssue({ code: 'custom', path: ['teams', i, 'budgets', j, 'from'], message: 'budgets must be in increasing `from` order' });
      }
    });
  });
  const teamIds = new Set(p.teams.map((t) => t.id));
  const gatewayIds = new Set(p.gateways.map((g) => g.id));
  references(ctx, teamIds, [
    ...p.taskClasses.flatMap((c, i) => c.teamOverrides.map((o, j) => ({ value: o.team, path: ['taskClasses', i, 'teamOverrides', j, 'team'] }))),
    ...p.credentials.flatMap((c, i) => (c.team ? [{ value: c.team, path: ['credentials', i, 'team'] }] : [])),
    ...p.gatewayKeys.map((k, i) => ({ value: k.team, path: ['gatewayKeys', i, 'team'] })),
    ...p.aiApps.flatMap((a, i) => a.teams.map((t, j) => ({ value: t, path: ['aiApps', i, 'teams', j] }))),
  ], 'team');
  references(ctx, gatewayIds, [
    ...p.credentials.map((c, i) => ({ value: c.gateway, path: ['credentials', i, 'gateway'] })),
    ...p.gatewayKeys.map((k, i) => ({ value: k.gateway, path: ['gatewayKeys', i, 'gateway'] })),
  ], 'gateway');
  const boundaryRefs = agentBoundaryReferences(p.agentBoundaries);
  references(ctx, teamIds, boundaryRefs.teams, 'team');
  references(ctx, new Set(p.taskClasses.map((c) => c.id)), boundaryRefs.taskClasses, 'task class');
  for (const issue of workloadIdentityReferences(p.workloadIdentity, teamIds)) ctx.addIssue({ code: 'custom', ...issue });
}

export const policySchema = policyObject.superRefine(crossChecks);

export type Policy = z.output<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;
export type PolicyTeam = Policy['teams'][number];
export type PolicyCredential = Policy['credentials'][number];
export type PolicyTaskClass = Policy['taskClasses'][number];
export type PolicyException = NonNullable<Policy['exceptions']>[number];
