/**
 * A small list-price table for pricing provider usage that carries no cost: Anthropic and OpenAI
 * usage reports and Bedrock invocation logs have tokens only (formats.md N2). Used by
 * billing.spend-above-approved (direct usage attributed to a team) and
 * cross-source.unreconciled-spend (the token gap between bill and gateway log).
 *
 * USD per million tokens of each canonical kind (N1: uncached input, cache read, cache write,
 * output), public list prices as of 2026. Contract discounts, batch and priority tiers are not
 * modelled: figures priced here say so (`basis: 'list'`), and unknown models get a conservative
 * Sonnet-class default (`basis: 'default'`) rather than zero, so a gap is never valued at $0.
 * Globs match canonical model ids (src/normalize/model.ts); the first match wins, so list the
 * more specific ones first.
 */

export interface TokenCounts {
  uncached: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
}

export interface ModelPrice {
  glob: string;
  /** USD per 1M tokens: [uncached input, cache read, cache write, output]. */
  usdPerMTok: readonly [number, number, number, number];
}

export const MODEL_PRICES: readonly ModelPrice[] = [
  { glob: 'claude-opus-4-5*', usdPerMTok: [5, 0.5, 6.25, 25] },
  { glob: 'claude-opus-4*', usdPerMTok: [15, 1.5, 18.75, 75] },
  { glob: 'claude-sonnet-4*', usdPerMTok: [3, 0.3, 3.75, 15] },
  { glob: 'claude-sonnet*', usdPerMTok: [3, 0.3, 3.75, 15] },
  { glob: 'claude-haiku-4-5*', usdPerMTok: [1, 0.1, 1.25, 5] },
  { glob: 'claude-3-5-haiku*', usdPerMTok: [0.8, 0.08, 1, 4] },
  { glob: 'gpt-5-mini*', usdPerMTok: [0.25, 0.025, 0.25, 2] },
  { glob: 'gpt-5-nano*', usdPerMTok: [0.05, 0.005, 0.05, 0.4] },
  { glob: 'gpt-5*', usdPerMTok: [1.25, 0.125, 1.25, 10] },
  { glob: 'gpt-4.1-mini*', usdPerMTok: [0.4, 0.1, 0.4, 1.6] },
  { glob: 'gpt-4.1*', usdPerMTok: [2, 0.5, 2, 8] },
  { glob: 'gpt-4o-mini*', usdPerMTok: [0.15, 0.075, 0.15, 0.6] },
  { glob: 'gpt-4o*', usdPerMTok: [2.5, 1.25, 2.5, 10] },
];

/** Applied to models missing from the table: Sonnet-class, so unknown usage is not valued at $0. */
export const DEFAULT_PRICE: ModelPrice = { glob: '*', usdPerMTok: [3, 0.3, 3.75, 15] };

function globMatches(glob: string, value: string): boolean {
  const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value);
}

export function priceOf(model: string): { price: ModelPrice; basis: 'list' | 'default' } {
  const m = model.toLowerCase();
  const price = MODEL_PRICES.find((p) => globMatches(p.glob, m));
  return price ? { price, basis: 'list' } : { price: DEFAULT_PRICE, basis: 'default' };
}

/** List-price USD of a token mix for one model. */
export function priceTokens(model: string, t: TokenCounts): { usd: number; basis: 'list' | 'default' } {
  const { price, basis } = priceOf(model);
  const [uncached, read, write, output] = price.usdPerMTok;
  const usd = (t.uncached * uncached + t.cacheRead * read + t.cacheWrite * write + t.output * output) / 1_000_000;
  return { usd, basis };
}

export function totalTokens(t: TokenCounts): number {
  return t.uncached + t.cacheRead + t.cacheWrite + t.output;
}

/** Rounds USD to cents for figures and impact. */
export function cents(usd: number): number {
  return Math.round(usd * 100) / 100;
}
