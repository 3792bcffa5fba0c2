/**
 * A URL with its user and password replaced, for logs and errors: `CLICKHOUSE_URL` may carry
 * `user:pass@`, and an error message ends up in terminals, CI logs and issue reports.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = u.username ? '***' : '';
    u.password = u.password ? '***' : '';
    return u.toString();
  } catch {
    // Not a URL the parser accepts: mask anything shaped like userinfo before an '@'.
    return redactUrlsIn(url);
  }
}

/** Every `scheme://user:pass@` in free text (an error message, a stack) with its userinfo masked. */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***:***@');
}
