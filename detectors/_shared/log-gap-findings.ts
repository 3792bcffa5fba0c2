import { median } from 'simple-statistics';
import type { AlertDraft } from '../../src/detect/define-detector.ts';
import { utcDay } from '../../src/detect/windows.ts';
import { binomialUpperTail } from './binomial.ts';
import { poissonLowerTail } from './poisson.ts';

/**
 * What gateway.prompt-log-gap decides in TypeScript over its per-(window, team) rows, apart from its
 * query so the detector file stays readable: the unlogged-prompts binomial test (the hour, or the day
 * so far for a thin hour), late logs, the stopped-logging collapse (Poisson lower tail against the
 * median of the same hour on the previous days), and the alert each finding raises.
 */

/** The detector's parameters this module reads (detectors/gateway/prompt-log-gap.ts declares them). */
export interface LogGapParams {
  maxUnloggedShare: number; maxPValue: number; minRequests: number; maxDelaySeconds: number; minLateRequests: number;
  maxVolumeRatio: number; maxCollapsePValue: number; minAgentRequests: number; minBillingTokens: number;
}

type Kind = 'unlogged-prompts' | 'late-logs' | 'stopped-logging';
/** Days of the same hour the stopped-logging baseline's median is taken over. */
export const BASELINE_DAYS = 7;

export interface LogGapRow {
  team: string; team_name: string; owner: string;
  requests: number; model_requests: number; unlogged: number; unlogged_responses: number; late: number; max_delay_ms: number; pipeline_delay_ms: number;
  first_request: string; last_request: string; gateways: string[];
  unlogged_keys: string[]; top_unlogged_key: string; unlogged_samples: string[]; late_samples: string[];
  /** Requests in the same window on each previous day that had any (zeros are absent). */
  baseline_days: number[];
  agent_requests: number; agent_sessions: number; agent_samples: string[];
  billing_tokens: number; billing_providers: string[]; billing_samples: string[];
  /** The window's UTC day up to its end: model requests and unlogged ones (for thin hours). */
  day_model_requests: number; day_unlogged: number;
  /** Set by evaluate(). */
  kind?: Kind;
  expected_requests?: number;
  collapse_p?: number;
  judged?: Judged;
}

/** What an unlogged-prompts finding was judged on: the hour, or the day so far when the hour is thin. */
interface Judged { over: 'hour' | 'day so far'; requests: number; unlogged: number; pValue: number }

/** The unlogged-prompts test: the hour if it has minRequests, else the day so far; share above the threshold, and significant. */
function judgeUnlogged(r: LogGapRow, p: { minRequests: number; maxUnloggedShare: number; maxPValue: number }): Judged | null {
  const [over, requests, unlogged] = r.model_requests >= p.minRequests
    ? ['hour' as const, r.model_requests, r.unlogged]
    : ['day so far' as const, r.day_model_requests, r.day_unlogged];
  if (requests === 0 || unlogged / requests <= p.maxUnloggedShare) return null;
  const pValue = binomialUpperTail(unlogged, requests, p.maxUnloggedShare);
  return pValue <= p.maxPValue ? { over, requests, unlogged, pValue } : null;
}

const minutes = (ms: number) => Math.round(ms / 6_000) / 10;
const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** The findings of one window's rows: each row can raise one finding of each kind. */
export function findLogGaps(rows: readonly LogGapRow[], p: LogGapParams): LogGapRow[] {
  const out: LogGapRow[] = [];
  for (const r of rows) {
    const judged = judgeUnlogged(r, p);
    if (judged) out.push({ ...r, kind: 'unlogged-prompts', judged });
    if (r.late >= p.minLateRequests) out.push({ ...r, kind: 'late-logs' });
    // Days without a single request are in the baseline as zeros.
    const days = [...r.baseline_days, ...Array<number>(BASELINE_DAYS).fill(0)].slice(0, BASELINE_DAYS);
    const expected = median(days);
    const working = (r.agent_requests > 0 && r.agent_requests >= p.minAgentRequests) || (r.billing_tokens > 0 && r.billing_tokens >= p.minBillingTokens);
    if (expected > 0 && r.requests <= expected * p.maxVolumeRatio && working) {
      const pValue = poissonLowerTail(r.requests, expected);
      if (pValue <= p.maxCollapsePValue) out.push({ ...r, kind: 'stopped-logging', expected_requests: expected, collapse_p: pValue });
    }
  }
  return out;
}

/** One finding → its alert; the incident window is the window's UTC day. */
export function logGapAlert(r: LogGapRow, p: LogGapParams, window: { readonly from: Date; readonly to: Date }): AlertDraft | null {
  if (!r.kind) return null;
  const team = `${r.team_name || r.team} (${r.team})`;
  const figures = {
    kind: r.kind,
    requests: r.requests,
    gateways: r.gateways,
    windowFrom: window.from.toISOString(),
    windowTo: window.to.toISOString(),
  };
  const base = { entity: `${r.team}:${r.kind}`, team: r.team, identity: r.owner, ...utcDay(window.from) };
  if (r.kind === 'unlogged-prompts' && r.judged) {
    const j = r.judged;
    const share = j.unlogged / j.requests;
    return {
      ...base,
      credential: r.top_unlogged_key,
      // Of the model requests: MCP tool calls through the gateway have no prompt and are not counted.
      summary: `${team}: ${j.unlogged} of ${j.requests} gateway requests (${pct(share)}) ${j.over === 'hour' ? 'in the hour' : 'so far today'} were stored ` +
        `without the prompt (threshold ${pct(p.maxUnloggedShare)}, binomial p = ${j.pValue.toExponential(1)}); ` +
        `keys ${r.unlogged_keys.join(', ') || 'unknown'} via ${r.gateways.join('/')}.`,
      evidence: {
        figures: { ...figures, judgedOver: j.over, modelRequests: j.requests, unloggedRequests: j.unlogged, unloggedShare: Math.round(share * 1000) / 1000,
          pValue: Number(j.pValue.toExponential(2)), hourModelRequests: r.model_requests, hourUnloggedRequests: r.unlogged, unloggedResponses: r.unlogged_responses,
          unloggedKeys: r.unlogged_keys, firstRequest: r.first_request, lastRequest: r.last_request },
        samples: r.unlogged_samples,
      },
    };
  }
  if (r.kind === 'late-logs') {
    return {
      ...base,
      credential: '',
      summary: `${team}: ${r.late} of ${r.requests} gateway requests reached driftwatch more than ${minutes(p.maxDelaySeconds * 1000)} min ` +
        `later than the pipeline's usual delay of ${minutes(r.pipeline_delay_ms)} min (longest delay ${minutes(r.max_delay_ms)} min); ` +
        'detectors may have judged those hours without them.',
      evidence: {
        figures: { ...figures, lateRequests: r.late, maxDelayMinutes: minutes(r.max_delay_ms), pipelineDelayMinutes: minutes(r.pipeline_delay_ms),
          limitMinutes: minutes(p.maxDelaySeconds * 1000), firstRequest: r.first_request, lastRequest: r.last_request },
        samples: r.late_samples,
      },
    };
  }
  const activity = [
    r.agent_requests > 0 ? `agent telemetry shows ${r.agent_requests} model request(s) in ${r.agent_sessions} session(s)` : '',
    r.billing_tokens > 0 ? `billing shows ${r.billing_tokens.toLocaleString('en-US')} tokens on ${r.billing_providers.join('/')}` : '',
  ].filter(Boolean).join(' and ');
  return {
    ...base,
    credential: '',
    summary: `${team}: ${r.requests} gateway request(s) in the window against a median of ${r.expected_requests} for the same hours ` +
      `on the previous ${BASELINE_DAYS} days (Poisson p = ${(r.collapse_p ?? 1).toExponential(1)}), while ${activity}: the team is working without gateway logs.`,
    evidence: {
      figures: { ...figures, expectedRequests: r.expected_requests ?? 0, collapsePValue: Number((r.collapse_p ?? 1).toExponential(2)), baselineDailyRequests: r.baseline_days, agentRequests: r.agent_requests,
        agentSessions: r.agent_sessions, billingTokens: r.billing_tokens, billingProviders: r.billing_providers },
      samples: [...r.agent_samples, ...r.billing_samples],
    },
  };
}
