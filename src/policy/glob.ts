/**
 * Policy globs (`*` any run of characters, `?` one character) → anchored RE2 patterns, compiled
 * once at sync so detectors use ClickHouse match()/multiMatchAny() instead of re-implementing
 * glob semantics in every query.
 */
const RE2_SPECIAL = /[\\^$.|+()[\]{}]/g;

export function globToRegex(glob: string): string {
  let out = '';
  for (const ch of glob) {
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else out += ch.replace(RE2_SPECIAL, '\\$&');
  }
  return `^${out}$`;
}

/** Same semantics in Node, for tests and for evaluate() steps that need it. */
export function globMatches(glob: string, value: string): boolean {
  return new RegExp(globToRegex(glob)).test(value);
}
