/** Identity canonicalisation shared by every source (formats.md N6: join on lower-cased e-mail). */

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Lower-cased e-mail, or '' when the value is not an e-mail address. */
export function normalizeEmail(value: unknown): string {
  if (typeof value !== 'string') return '';
  const trimmed = value.trim().toLowerCase();
  return EMAIL.test(trimmed) ? trimmed : '';
}

/**
 * The e-mail carried by an AWS principal ARN, e.g. the IAM Identity Center role session name
 * `arn:aws:sts::123:assumed-role/AWSReservedSSO_Dev_0a1b/alice@example.com` (a heuristic, N6).
 */
export function emailFromArn(arn: string): string {
  const sessionName = arn.split('/').pop() ?? '';
  return normalizeEmail(sessionName);
}

/** Trimmed string or ''; keeps `null`/`undefined`/non-strings out of String columns. */
export function text(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}
