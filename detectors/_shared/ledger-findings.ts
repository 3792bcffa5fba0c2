import { cents, priceTokens, type TokenCounts } from './model-prices.ts';

/**
 * What cross-source.unreconciled-spend decides in TypeScript over its ledger lines, apart from its
 * query so the detector file stays readable: the token lines of one account, model and UTC day
 * become one finding, the gap priced from the billed token mix; a billed-cost line counts only where
 * no token line already explains that account's day.
 */

export interface LedgerRow {
  gateways: string[];
  provider: string;
  model: string;
  measure: 'tokens' | 'cost';
  slot: string;
  credentials: string[];
  billed_keys: string[];
  /** The billed keys' hints from the key inventory ('' when it does not list the key). */
  billed_key_hints: string[];
  billed_uncached: number;
  billed_cache_read: number;
  billed_cache_write: number;
  billed_output: number;
  billed_cost: number;
  logged_tokens: number;
  logged_cost: number;
  logged_requests: number;
  team: string;
  owner: string;
  attribution: string;
  samples: string[];
  /** Set by evaluate(): the day's finding for this account and model. */
  finding?: {
    hours: string[]; billedTokens: number; loggedTokens: number; loggedRequests: number;
    billedUsd: number; loggedUsd: number; unexplainedUsd: number; basis: string;
  };
}

const billedTokens = (r: LedgerRow) => r.billed_uncached + r.billed_cache_read + r.billed_cache_write + r.billed_output;
const tokenMix = (r: LedgerRow): TokenCounts => ({ uncached: r.billed_uncached, cacheRead: r.billed_cache_read, cacheWrite: r.billed_cache_write, output: r.billed_output });
const accountKey = (r: LedgerRow) => `${r.gateways.join('+')}:${r.provider}:${r.slot.slice(0, 10)}`;

/** The findings of a run's ledger lines: each with `finding` set; lines below `minImpactUsd` unexplained are dropped. */
export function ledgerFindings(rows: LedgerRow[], minImpactUsd: number): LedgerRow[] {
  // Token lines: hours of one account, model and day → one finding, the gap priced from the billed mix.
  const byLine = new Map<string, LedgerRow[]>();
  for (const r of rows.filter((x) => x.measure === 'tokens')) {
    const key = `${accountKey(r)}:${r.model}`;
    byLine.set(key, [...(byLine.get(key) ?? []), r]);
  }
  const out: LedgerRow[] = [];
  const covered = new Set<string>();
  for (const hours of byLine.values()) {
    const first = hours[0] as LedgerRow;
    let unexplainedUsd = 0;
    let basis = 'list price';
    for (const h of hours) {
      const priced = priceTokens(h.model, tokenMix(h));
      unexplainedUsd += priced.usd * ((billedTokens(h) - h.logged_tokens) / billedTokens(h));
      if (priced.basis === 'default') basis = 'default price (model not in the price table)';
    }
    if (unexplainedUsd < minImpactUsd) continue;
    const sum = (f: (r: LedgerRow) => number) => hours.reduce((a, h) => a + f(h), 0);
    covered.add(accountKey(first));
    out.push({
      ...first,
      samples: hours.flatMap((h) => h.samples).slice(0, 3),
      finding: {
        hours: hours.map((h) => h.slot.slice(11, 16)),
        billedTokens: sum(billedTokens),
        loggedTokens: sum((h) => h.logged_tokens),
        loggedRequests: sum((h) => h.logged_requests),
        billedUsd: cents(sum((h) => priceTokens(h.model, tokenMix(h)).usd)),
        loggedUsd: cents(sum((h) => h.logged_cost)),
        unexplainedUsd: cents(unexplainedUsd),
        basis,
      },
    });
  }
  // Billed-cost lines: only where no token line already explains that account's day.
  for (const r of rows.filter((x) => x.measure === 'cost')) {
    const gap = r.billed_cost - r.logged_cost;
    if (covered.has(accountKey(r)) || gap < minImpactUsd) continue;
    out.push({
      ...r,
      finding: {
        hours: [], billedTokens: 0, loggedTokens: r.logged_tokens, loggedRequests: r.logged_requests,
        billedUsd: r.billed_cost, loggedUsd: r.logged_cost, unexplainedUsd: cents(gap), basis: 'billed cost',
      },
    });
  }
  return out;
}
