import { priceTokens, type TokenCounts } from '../../detectors/_shared/model-prices.ts';
import { rng as mulberry, type Rng } from './random.ts';
import { MODELS, type LiteKey, type ModelChoice, type Person } from './world.ts';

/**
 * What happens on a day, before it is serialized: model calls (one gateway request each, unless the
 * caller went around the gateway) and Claude Code telemetry turns (user_prompt → api_request(s) →
 * tool_result(s), the event order Claude Code exports). Everything is drawn from a seeded PRNG, so
 * the day has the same shape on every run; only ids and the calendar date change.
 */

export type { Rng };
export const seeded = (seed: number): Rng => mulberry(seed);
export const between = (r: Rng, lo: number, hi: number) => lo + (hi - lo) * r();
export const int = (r: Rng, lo: number, hi: number) => Math.floor(between(r, lo, hi + 1));
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
export const uuid = (r: Rng) => {
  const h = Array.from({ length: 4 }, () => Math.floor(r() * 0x100000000).toString(16).padStart(8, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[int(r, 0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export type Via = 'litellm' | 'kong' | 'direct';
export type TaskClass = 'coding' | 'chat' | 'review';

/** One model request. `via: 'direct'` never reaches a gateway log. */
export interface Call {
  at: number;
  durationMs: number;
  via: Via;
  person: Person | null;
  key: LiteKey | null;
  /** Raw team the gateway stamps (LiteLLM key team / Kong consumer custom_id). */
  team: string;
  session: string;
  model: ModelChoice;
  tokens: TokenCounts;
  costUsd: number;
  logged: boolean;
  taskClass: TaskClass;
  clientIp: string;
  format: 'spend_log' | 'payload';
  /** Claude Code's x-client-request-id (also the OTel client_request_id); '' for other clients. */
  clientRequestId: string;
  /** A tool call through LiteLLM's MCP gateway (no model, no tokens) instead of a model request. */
  mcp?: { server: string; tool: string };
  /** An attempt the provider refused (529 overloaded): logged by the gateway, never billed, retried. */
  failed?: boolean;
}

export interface AgentEvent {
  name: 'user_prompt' | 'api_request' | 'api_error' | 'tool_result' | 'tool_decision' | 'permission_mode_changed';
  at: number;
  seq: number;
  call?: Call;
  tool?: string;
  promptLength?: number;
  /** tool_parameters as Claude Code logs them with OTEL_LOG_TOOL_DETAILS=1 (boundary incidents only). */
  parameters?: Record<string, unknown>;
  /** tool_decision `source`; permission_mode_changed `to_mode` (boundary-events.ts). */
  source?: string;
  toMode?: string;
}

/**
 * How Claude Code authenticates, which decides the identity its telemetry carries (formats.md §8):
 * `gateway` — a gateway credential (apiKeyHelper): only user.id and session.id, the person comes from
 * the managed-settings resource attribute enduser.id; `oauth` — the person's own Claude login:
 * user.email and user.account_id as well; `apikey` — an unmanaged machine with an API key: nothing
 * but the install id.
 */
export type Auth = 'gateway' | 'oauth' | 'apikey';

export interface Session {
  id: string;
  person: Person;
  auth: Auth;
  otelTeam: string;
  /** Turns: each is one OTLP export batch. */
  turns: AgentEvent[][];
  calls: Call[];
  /** OTel service.name when not the CLI (`claude-code-desktop`). */
  service?: string;
}

export type Size = 'normal' | 'large' | 'huge';

const NO_MODEL: ModelChoice = { requested: '', served: '', provider: '' };
const NO_TOKENS: TokenCounts = { uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0 };

export function tokensOf(r: Rng, size: Size): TokenCounts {
  switch (size) {
    case 'normal':
      return { uncached: int(r, 150, 2500), cacheRead: int(r, 20_000, 90_000), cacheWrite: r() < 0.5 ? int(r, 500, 4000) : 0, output: int(r, 120, 1500) };
    case 'large':
      return { uncached: int(r, 3000, 8000), cacheRead: int(r, 120_000, 180_000), cacheWrite: int(r, 5000, 15_000), output: int(r, 3000, 8000) };
    case 'huge':
      return { uncached: int(r, 12_000, 20_000), cacheRead: int(r, 150_000, 190_000), cacheWrite: int(r, 10_000, 18_000), output: int(r, 12_000, 18_000) };
  }
}

/** Token counts times k, whole tokens (k = 1 leaves them as they are). */
export function scaleTokens(t: TokenCounts, k: number): TokenCounts {
  if (k === 1) return t;
  return { uncached: Math.round(t.uncached * k), cacheRead: Math.round(t.cacheRead * k), cacheWrite: Math.round(t.cacheWrite * k), output: Math.round(t.output * k) };
}

/** List price of the model that served the call (LiteLLM and Kong price from the same public list). */
export function costOf(model: ModelChoice, t: TokenCounts): number {
  const served = model.served.replace(/^bedrock\/(us\.)?anthropic\./, '').replace(/-v\d+:\d+$/, '');
  return Math.round(priceTokens(served, t).usd * 1e6) / 1e6;
}

export interface SessionSpec {
  person: Person;
  start: number;
  end: number;
  via: Via;
  id?: string;
  /** The first event.sequence: a session resumed under another identity keeps counting (see `resumed`). */
  firstSeq?: number;
  model?: ModelChoice;
  /** Model per call time, for incidents that change the model mid-session. */
  modelAt?: (t: number) => ModelChoice;
  key?: LiteKey;
  size?: Size;
  logged?: boolean;
  /** Seconds between turns. */
  gap?: [number, number];
  /** Parallel calls per turn (subagents). */
  calls?: [number, number];
  auth?: Auth;
  otelTeam?: string;
  tools?: readonly string[];
  /** Multiplies every call's token counts (and so its cost): the planner's budget calibration (planner.ts). Default 1. */
  tokenScale?: number;
}

/**
 * One Claude Code session: turns until `end`, each with 1–2 calls (or parallel subagent calls) and a
 * tool result per call; ~3 % of attempts through LiteLLM fail (overloaded) and are retried, and MCP
 * tools of people whose servers sit behind LiteLLM's MCP gateway add a gateway row per tool call.
 */
export function claudeSession(r: Rng, spec: SessionSpec): Session {
  const p = spec.person;
  const via = spec.via;
  const session: Session = {
    id: spec.id ?? uuid(r), person: p, auth: spec.auth ?? (via === 'direct' ? 'oauth' : 'gateway'), otelTeam: spec.otelTeam ?? p.otelTeam,
    turns: [], calls: [],
  };
  const key = via === 'litellm' ? (spec.key ?? p.litellm) : null;
  let seq = spec.firstSeq ?? 1;
  let t = spec.start;
  while (t < spec.end) {
    const turn: AgentEvent[] = [{ name: 'user_prompt', at: t, seq: seq++, promptLength: int(r, 40, 900) }];
    const n = int(r, ...(spec.calls ?? [1, 2]));
    let turnEnd = t;
    let callStart = t + int(r, 800, 2500);
    for (let i = 0; i < n && callStart < spec.end; i += 1) {
      const model = spec.modelAt?.(callStart) ?? spec.model ?? (via === 'kong' ? MODELS.sonnetKong : MODELS.sonnet);
      if (via === 'litellm' && r() < 0.03) {
        // The provider is overloaded: the gateway logs the failed attempt, Claude Code reports it and retries.
        const failedMs = int(r, 600, 1500);
        const failed: Call = {
          at: callStart, durationMs: failedMs, via, person: p, key, team: key?.team ?? p.team, session: session.id, model, tokens: NO_TOKENS,
          costUsd: 0, logged: spec.logged ?? true, taskClass: 'coding', clientIp: p.ip, format: p.litellmFormat, clientRequestId: uuid(r), failed: true,
        };
        session.calls.push(failed);
        turn.push({ name: 'api_error', at: callStart + failedMs, seq: seq++, call: failed });
        callStart += failedMs + int(r, 1000, 3000);
      }
      const tokens = scaleTokens(tokensOf(r, spec.size ?? 'normal'), spec.tokenScale ?? 1);
      const durationMs = int(r, 2500, 14_000);
      const call: Call = {
        at: callStart, durationMs, via, person: p, key, team: key?.team ?? p.team, session: session.id, model, tokens,
        costUsd: costOf(model, tokens), logged: spec.logged ?? true, taskClass: 'coding',
        clientIp: p.ip, format: p.litellmFormat, clientRequestId: uuid(r),
      };
      session.calls.push(call);
      turn.push({ name: 'api_request', at: callStart + durationMs, seq: seq++, call });
      const tool = pick(r, spec.tools ?? p.tools);
      const toolAt = callStart + durationMs + int(r, 900, 2500);
      turn.push({ name: 'tool_result', at: toolAt, seq: seq++, tool });
      const mcp = /^mcp__(.+?)__(.+)$/.exec(tool);
      if (mcp && p.mcpViaGateway && via === 'litellm' && key) {
        // The MCP server sits behind LiteLLM's MCP gateway: the tool call is a gateway row of its own.
        session.calls.push({
          ...call, at: toolAt - 640, durationMs: 600, session: uuid(r), model: NO_MODEL, tokens: NO_TOKENS, costUsd: 0, logged: false,
          format: 'spend_log', clientRequestId: '', mcp: { server: mcp[1] as string, tool: mcp[2] as string },
        });
      }
      turnEnd = Math.max(turnEnd, callStart + durationMs + 1500);
      // Subagents of one turn start almost together; sequential calls follow the previous one.
      callStart = (spec.calls?.[0] ?? 1) > 1 ? callStart + int(r, 200, 900) : callStart + durationMs + int(r, 1500, 4000);
    }
    session.turns.push(turn);
    t = Math.round(turnEnd + 1000 * between(r, ...(spec.gap ?? [150, 330])));
  }
  return session;
}

/**
 * Where a session resumed on another machine or login goes on: the same session id, and Claude
 * Code's event.sequence continuing past the last event (it numbers a session's events, so two
 * events of one session never share a number and a name — the agent table's natural key).
 */
export function resumed(previous: Session): Pick<SessionSpec, 'id' | 'firstSeq'> {
  const last = previous.turns.flat().reduce((m, e) => Math.max(m, e.seq), 0);
  return { id: previous.id, firstSeq: last + 1 };
}

/** Requests of the internal chat assistant (route /v1/chat/completions, tag chat): no agent telemetry. */
export function chatCalls(r: Rng, p: Person, dayStart: number, hours: [number, number], model: ModelChoice = MODELS.gpt5mini, perHour: [number, number] = [3, 5]): Call[] {
  const out: Call[] = [];
  if (!p.chat) return out;
  for (let h = hours[0]; h < hours[1]; h += 1) {
    for (let i = int(r, ...perHour); i > 0; i -= 1) {
      const tokens = { uncached: int(r, 300, 3000), cacheRead: r() < 0.3 ? int(r, 200, 1000) : 0, cacheWrite: 0, output: int(r, 100, 800) };
      out.push({
        at: dayStart + h * 3_600_000 + int(r, 30_000, 3_570_000), durationMs: int(r, 800, 4000), via: 'litellm', person: p, key: p.chat, team: p.team,
        session: uuid(r), model, tokens, costUsd: costOf(model, tokens), logged: true, taskClass: 'chat', clientIp: p.ip, format: 'spend_log', clientRequestId: '',
      });
    }
  }
  return out;
}

/** The web team's pull-request review bot on the policy key web-review-bot. */
export function reviewBotCalls(r: Rng, key: LiteKey, dave: Person, dayStart: number, hours: [number, number]): Call[] {
  const out: Call[] = [];
  for (let h = hours[0]; h < hours[1]; h += 1) {
    for (let i = int(r, 6, 9); i > 0; i -= 1) {
      const tokens = { uncached: int(r, 8000, 20_000), cacheRead: 0, cacheWrite: 0, output: int(r, 500, 2000) };
      out.push({
        at: dayStart + h * 3_600_000 + int(r, 30_000, 3_570_000), durationMs: int(r, 3000, 9000), via: 'litellm', person: dave, key, team: key.team,
        session: uuid(r), model: MODELS.reviewSonnet, tokens, costUsd: costOf(MODELS.reviewSonnet, tokens), logged: true, taskClass: 'review',
        clientIp: '10.40.0.5', format: 'spend_log', clientRequestId: '',
      });
    }
  }
  return out;
}
