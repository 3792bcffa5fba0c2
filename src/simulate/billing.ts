import { readFileSync } from 'node:fs';
import { anthropicUsagePage, bedrockInvocation, deepMerge, openAiUsagePage, type Overrides } from '../../detectors/_shared/fixtures.ts';
import { anthropicResult, bedrockTokens, openAiCostsPage, openAiResult } from '../../detectors/_shared/fixtures-finops.ts';
import type { TokenCounts } from '../../detectors/_shared/model-prices.ts';
import { canonicalModel } from '../normalize/model.ts';
import { between, type Call, type Rng } from './traffic.ts';
import { CREDENTIALS } from './world.ts';

/**
 * The providers' side of the day, derived from what actually reached them: Anthropic usage_report
 * pages (hourly buckets grouped by api key, workspace, account and model) and a daily cost_report,
 * OpenAI usage (hourly) and costs (daily) pages, and one Bedrock invocation log per request. Calls
 * through a gateway are billed on the gateway's own credential, a little above what the gateway
 * logged (provider-side retries, ≤ 1 % — inside the ledger's tolerance); extra results (direct
 * usage, planted incidents) join the hour's page as the poller would fetch them.
 */

type Doc = Record<string, unknown>;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

const ANTHROPIC_COST_SAMPLE = JSON.parse(readFileSync(new URL('../../schemas/samples/anthropic-cost.json', import.meta.url), 'utf8')) as {
  data: { results: Doc[] }[];
};

export interface Extras {
  /** Extra Anthropic usage results per hour start (ms). */
  anthropic?: Map<number, Overrides[]>;
  /** Extra OpenAI usage results per hour start (ms). */
  openai?: Map<number, Overrides[]>;
  /** Extra OpenAI Costs API results for the day. */
  openaiCosts?: Overrides[];
}

interface Line {
  hour: number;
  model: string;
  tokens: TokenCounts;
  requests: number;
  cost: number;
}

function add(lines: Map<string, Line>, k: string, hour: number, model: string, c: Call): void {
  const l = lines.get(k) ?? { hour, model, tokens: { uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0 }, requests: 0, cost: 0 };
  l.tokens.uncached += c.tokens.uncached;
  l.tokens.cacheRead += c.tokens.cacheRead;
  l.tokens.cacheWrite += c.tokens.cacheWrite;
  l.tokens.output += c.tokens.output;
  l.requests += 1;
  l.cost += c.costUsd;
  lines.set(k, l);
}

/** Billed a little above the log: retried requests re-read the cached context. */
function billed(r: Rng, t: TokenCounts): TokenCounts {
  return { ...t, cacheRead: Math.round(t.cacheRead * (1 + between(r, 0, 0.01))) };
}

/** Bedrock invocation logs: CloudWatch delivers one per request, minutes after it, not in buckets. */
export function bedrockRecords(calls: readonly Call[]): Doc[] {
  return calls.filter((c) => c.via !== 'direct' && !c.mcp && !c.failed && c.model.provider === 'bedrock').map((c) => bedrockInvocation(iso(c.at + 150), {
    identity: { arn: CREDENTIALS.bedrockGatewayRole },
    operation: 'InvokeModelWithResponseStream',
    modelId: c.model.served.replace(/^bedrock\//, ''),
    ...bedrockTokens(c.tokens),
  }));
}

/** Calls the providers bill on the gateways' own credentials (failed attempts and direct calls are not theirs). */
const billable = (c: Call) => c.via !== 'direct' && !c.mcp && !c.failed && c.model.provider !== 'bedrock';

/**
 * The hourly usage pages of one closed hour as the poller fetches them: Anthropic's (written even
 * when empty, formats.md §4a) and OpenAI's (only when it has results). `calls` may hold other hours'.
 */
export function hourlyUsagePages(r: Rng, hour: number, calls: readonly Call[], extras: { anthropic?: Overrides[]; openai?: Overrides[] } = {}): Doc[] {
  const anthropic = new Map<string, Line>();
  const openai = new Map<string, Line>();
  for (const c of calls) {
    if (!billable(c) || c.at < hour || c.at >= hour + HOUR) continue;
    const model = canonicalModel(c.model.served);
    if (c.model.provider === 'openai') add(openai, model, hour, model, c);
    else add(anthropic, `${c.via === 'kong' ? 'kong' : 'litellm'}|${model}`, hour, model, c);
  }
  const out: Doc[] = [];
  const results: Overrides[] = [];
  for (const [k, l] of anthropic) {
    const cred = k.split('|')[0] === 'kong' ? CREDENTIALS.anthropicKong : CREDENTIALS.anthropicLitellm;
    results.push(anthropicResult(billed(r, l.tokens), { ...cred, account_id: null, model: l.model }));
  }
  results.push(...(extras.anthropic ?? []));
  out.push(anthropicUsagePage(iso(hour), results));
  const oa: Overrides[] = [...openai.values()].map((l) => openAiResult(billed(r, l.tokens), { ...CREDENTIALS.openaiLitellm, model: l.model, num_model_requests: l.requests }));
  oa.push(...(extras.openai ?? []));
  if (oa.length > 0) out.push(openAiUsagePage(iso(hour), oa));
  return out;
}

/** The daily cost reports of one closed day: OpenAI Costs API (USD) and Anthropic cost_report (cents). */
export function dailyCostReports(dayStart: number, calls: readonly Call[], openaiCosts: Overrides[] = []): Doc[] {
  let openaiSpend = 0;
  const costByWorkspaceModel = new Map<string, number>();
  for (const c of calls) {
    if (!billable(c) || c.at < dayStart || c.at >= dayStart + 24 * HOUR) continue;
    if (c.model.provider === 'openai') {
      openaiSpend += c.costUsd;
      continue;
    }
    const ws = `${c.via === 'kong' ? '' : CREDENTIALS.anthropicLitellm.workspace_id}|${canonicalModel(c.model.served)}`;
    costByWorkspaceModel.set(ws, (costByWorkspaceModel.get(ws) ?? 0) + c.costUsd);
  }
  const template = ANTHROPIC_COST_SAMPLE.data[0]?.results[0] ?? {};
  return [
    openAiCostsPage(iso(dayStart), [
      { amount: { value: Math.round(openaiSpend * 1.004 * 1e4) / 1e4, currency: 'usd' }, ...CREDENTIALS.openaiLitellm, line_item: 'gpt-5-mini, input', quantity: null },
      ...openaiCosts,
    ]),
    {
      data: [{
        starting_at: iso(dayStart).replace('.000Z', 'Z'),
        ending_at: iso(dayStart + 24 * HOUR).replace('.000Z', 'Z'),
        results: [...costByWorkspaceModel].map(([k, usd]) => {
          const [workspace, model] = k.split('|') as [string, string];
          // Anthropic cost_report amounts are decimal strings in cents (N2).
          return deepMerge(template, { amount: (usd * 100).toFixed(2), workspace_id: workspace || null, model, description: `${model} usage`, token_type: null, cost_type: 'tokens' });
        }),
      }],
      has_more: false,
      next_page: null,
    },
  ];
}

/** A whole day of provider records: invocation logs, 24 hourly usage pages, the day's cost reports. */
export function billingRecords(r: Rng, dayStart: number, calls: readonly Call[], extras: Extras = {}): Doc[] {
  const out = bedrockRecords(calls);
  for (let h = 0; h < 24; h += 1) {
    const hour = dayStart + h * HOUR;
    out.push(...hourlyUsagePages(r, hour, calls, { anthropic: extras.anthropic?.get(hour) ?? [], openai: extras.openai?.get(hour) ?? [] }));
  }
  out.push(...dailyCostReports(dayStart, calls, extras.openaiCosts));
  return out;
}
