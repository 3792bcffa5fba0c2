/**
 * Poisson lower tail: how surprising a count of k is when λ were expected. Used where a collapse is
 * judged (prompt-log-gap's stopped-logging): no request in an hour that brings 8 a day is as clear
 * (e^-8 ≈ 3·10^-4) as 10 where 800 were expected, while a fixed minimum baseline would skip the
 * small team and a bare ratio would fire on 0 of an expected 2.
 */

/** P(X ≤ k) for X ~ Poisson(λ), summed term by term from 0 in logs (k is small where it matters: a collapse). */
export function poissonLowerTail(k: number, lambda: number): number {
  if (k < 0) return 0;
  if (lambda <= 0) return 1;
  let logTerm = -lambda;
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logTerm += Math.log(lambda / i);
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}
