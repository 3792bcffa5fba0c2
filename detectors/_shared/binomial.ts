/**
 * Exact one-sided binomial test: how surprising k successes of n are if each happens with
 * probability p. Used where a share is judged (prompt-log gap): the evidence grows with the volume,
 * so a 5-person team's 45 of 51 and a 2,000-person team's 4,500 of 5,100 are both judged, where a
 * fixed minimum request count would skip the small team and a bare share would fire on 1 of 1.
 */

/** log C(n, k), summed as logs: exact enough for the n of a day of requests, no gamma function needed. */
function logChoose(n: number, k: number): number {
  const m = Math.min(k, n - k);
  let out = 0;
  for (let j = 1; j <= m; j++) out += Math.log((n - m + j) / j);
  return out;
}

/** P(X ≥ k) for X ~ Binomial(n, p): the p-value of k or more successes. */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  // Terms from k upwards, each from the previous by the ratio (n − i)/(i + 1) · p/(1 − p); past the
  // mode they shrink geometrically, so the sum stops once a term no longer changes it.
  let term = Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
  let sum = 0;
  const odds = p / (1 - p);
  for (let i = k; i <= n; i++) {
    sum += term;
    if (term < sum * 1e-15 && i > n * p) break;
    term *= ((n - i) / (i + 1)) * odds;
  }
  return Math.min(1, sum);
}
