import { median, medianAbsoluteDeviation } from 'simple-statistics';
import type { AlertDraft } from '../../src/detect/define-detector.ts';
import { utcDay } from '../../src/detect/windows.ts';
import { cents, priceTokens } from './model-prices.ts';

/**
 * What billing.spend-above-approved decides in TypeScript over its per-(window, team) rows, apart
 * from its query so the detector file stays readable: the day's and the month's spend (gateway cost,
 * direct usage priced from the list) against the budgets in force, the robust-z rise against the
 * team's own daily baseline, and the alert each finding raises.
 */

/** The detector's parameters this module reads (detectors/billing/spend-above-approved.ts declares them). */
export interface SpendParams {
  baselineDays: number; minBaselineDays: number; overBudgetRatio: number; minDailyUsd: number; zThreshold: number; minRiseRatio: number;
}

export type SeriesPoint = [day: string, source: 'gateway' | 'direct', model: string, usd: number, tokens: number, uncached: number, read: number, write: number, output: number];

export interface SpendRow {
  window_end: string;
  team: string;
  owner: string;
  day: string;
  series: SeriesPoint[];
  daily_usd: number | null;
  monthly_usd: number | null;
  daily_tokens: number | null;
  monthly_tokens: number | null;
  previous_daily_usd: number | null;
  previous_monthly_usd: number | null;
  budget_note: string;
  budget_from: string;
  change_note: string;
  change_from: string;
  top_spenders: [string, number][];
  direct_identities: string[];
  samples: string[];
  finding?: Finding;
}

interface Finding {
  kind: 'daily-budget' | 'monthly-budget' | 'spend-baseline';
  reasons: string[];
  excessUsd: number;
  figures: Record<string, number | string | null | string[]>;
  windowStart: Date;
  windowEnd: Date;
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** Spend of one budget period against its limits: why it is over, and the excess (token excess at the period's USD/token). */
function overBudget(spent: number, tokens: number, usdLimit: number | null, tokenLimit: number | null, ratio: number, period: string) {
  const reasons: string[] = [];
  let excess = 0;
  if (usdLimit !== null && spent > usdLimit * ratio) {
    reasons.push(`${usd(spent)} ${period} against a budget of ${usd(usdLimit)}`);
    excess = spent - usdLimit;
  }
  if (tokenLimit !== null && tokens > tokenLimit * ratio) {
    reasons.push(`${tokens.toLocaleString('en-US')} tokens ${period} against a budget of ${tokenLimit.toLocaleString('en-US')}`);
    excess = Math.max(excess, (tokens - tokenLimit) * (tokens > 0 ? spent / tokens : 0));
  }
  return { reasons, excess };
}

/** The findings of one window's rows: budget overruns (day, month) and a rise against the baseline. */
export function findSpendOverruns(rows: readonly SpendRow[], p: SpendParams): SpendRow[] {
  const out: SpendRow[] = [];
  for (const row of rows) {
    const daily = new Map<string, { usd: number; tokens: number; gatewayUsd: number; directUsd: number }>();
    for (const [day, source, model, gwUsd, tok, uncached, cacheRead, cacheWrite, output] of row.series) {
      const d = daily.get(day) ?? { usd: 0, tokens: 0, gatewayUsd: 0, directUsd: 0 };
      const spent = source === 'gateway' ? gwUsd : priceTokens(model, { uncached, cacheRead, cacheWrite, output }).usd;
      Object.assign(d, { usd: d.usd + spent, tokens: d.tokens + tok }, source === 'gateway' ? { gatewayUsd: d.gatewayUsd + spent } : { directUsd: d.directUsd + spent });
      daily.set(day, d);
    }
    const today = daily.get(row.day) ?? { usd: 0, tokens: 0, gatewayUsd: 0, directUsd: 0 };
    const dayStart = Date.parse(`${row.day}T00:00:00Z`);
    const month = row.day.slice(0, 7);
    const mtd = [...daily].filter(([d]) => d.startsWith(month) && d <= row.day).reduce((a, [, v]) => ({ usd: a.usd + v.usd, tokens: a.tokens + v.tokens }), { usd: 0, tokens: 0 });
    const history: number[] = [];
    for (let i = p.baselineDays; i >= 1; i -= 1) {
      const v = daily.get(new Date(dayStart - i * 86_400_000).toISOString().slice(0, 10))?.usd ?? 0;
      if (v > 0 || history.length > 0) history.push(v); // history starts at the first day with spend
    }
    const med = history.length > 0 ? median(history) : 0;
    const mad = history.length > 0 ? medianAbsoluteDeviation(history) : 0;
    const scale = 1.4826 * mad;
    const z = scale > 0 ? (today.usd - med) / scale : today.usd > med ? Infinity : 0;
    const common = {
      daySpendUsd: cents(today.usd), gatewayUsd: cents(today.gatewayUsd), directUsd: cents(today.directUsd), dayTokens: today.tokens,
      monthToDateUsd: cents(mtd.usd), monthToDateTokens: mtd.tokens,
      dailyBudgetUsd: row.daily_usd, monthlyBudgetUsd: row.monthly_usd, dailyBudgetTokens: row.daily_tokens, monthlyBudgetTokens: row.monthly_tokens,
      previousDailyBudgetUsd: row.previous_daily_usd, previousMonthlyBudgetUsd: row.previous_monthly_usd,
      budgetFrom: row.budget_from, budgetNote: row.budget_note,
      baselineMedianUsd: cents(med), baselineMadUsd: cents(mad), baselineDays: history.length,
      robustZ: Number.isFinite(z) ? Math.round(z * 10) / 10 : 'inf',
      topSpenders: row.top_spenders.map(([who, u]) => `${who || 'unknown'}: ${usd(u)}`), directIdentities: row.direct_identities,
    };
    const push = (kind: Finding['kind'], reasons: string[], excessUsd: number, window: { windowStart: Date; windowEnd: Date }) =>
      out.push({ ...row, finding: { kind, reasons, excessUsd: cents(excessUsd), figures: common, ...window } });
    const day = overBudget(today.usd, today.tokens, row.daily_usd, row.daily_tokens, p.overBudgetRatio, 'today');
    if (day.reasons.length > 0) push('daily-budget', day.reasons, day.excess, utcDay(row.day));
    const monthly = overBudget(mtd.usd, mtd.tokens, row.monthly_usd, row.monthly_tokens, p.overBudgetRatio, 'month to date');
    const monthStart = new Date(`${month}-01T00:00:00Z`);
    const monthEnd = new Date(Date.UTC(monthStart.getUTCFullYear(), monthStart.getUTCMonth() + 1, 1));
    if (monthly.reasons.length > 0) push('monthly-budget', monthly.reasons, monthly.excess, { windowStart: monthStart, windowEnd: monthEnd });

    // The baseline check: only when no budget finding already covers the day, and no approved increase.
    const rising = history.length >= p.minBaselineDays && today.usd >= p.minDailyUsd && z >= p.zThreshold && today.usd >= p.minRiseRatio * med;
    if (rising && day.reasons.length === 0 && row.change_from === '') {
      const robust = Number.isFinite(z) ? `robust z ${z.toFixed(1)}` : 'a flat history';
      push('spend-baseline', [`${usd(today.usd)} spent against a ${history.length}-day median of ${usd(med)} (${robust}) with no approved budget change`], today.usd - med, utcDay(row.day));
    }
  }
  return out;
}

/** One finding → its alert. */
export function spendAlert(row: SpendRow): AlertDraft | null {
  const f = row.finding;
  if (!f) return null;
  const what = f.kind === 'spend-baseline' ? 'spend far above its own baseline' : f.kind === 'daily-budget' ? 'over its daily budget' : 'over its monthly budget';
  const budget = f.kind !== 'spend-baseline' && row.previous_daily_usd !== null
    ? ` Budget in force since ${row.budget_from.slice(0, 10)}${row.budget_note ? ` (${row.budget_note})` : ''}, replacing ${usd(row.previous_daily_usd)}/day.`
    : '';
  return {
    entity: `team:${row.team}:${f.kind}`,
    team: row.team,
    identity: row.owner,
    credential: '',
    summary: `Team ${row.team} is ${what} on ${f.kind === 'monthly-budget' ? row.day.slice(0, 7) : row.day}: ${f.reasons.join('; ')} ` +
      `(gateway ${usd(Number(f.figures['gatewayUsd']))}, direct ${usd(Number(f.figures['directUsd']))}).${budget} Owner: ${row.owner}.`,
    evidence: { figures: { finding: f.kind, excessUsd: f.excessUsd, ...f.figures }, samples: row.samples },
    impactUsd: f.excessUsd,
    windowStart: f.windowStart,
    windowEnd: f.windowEnd,
  };
}
