/**
 * The elements of a top-level JSON array as byte ranges of the original text, without parsing
 * them: each element then meets the per-record limits (size, depth, UTF-8) on its own, exactly as
 * the bytes were written, and a huge or deeply nested element costs no recursion here.
 * Returns undefined when `bytes` is not one well-formed top-level array (the caller then treats
 * the file as something else); element contents are validated later by the decoder.
 */
export function jsonArrayElements(bytes: Buffer): Buffer[] | undefined {
  let i = skipSpace(bytes, 0);
  if (bytes[i] !== 0x5b /* [ */) return undefined;
  i += 1;
  const elements: Buffer[] = [];
  let depth = 0;
  let inString = false;
  let start = i;
  for (; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (inString) {
      if (b === 0x5c /* \ */) i += 1;
      else if (b === 0x22 /* " */) inString = false;
      continue;
    }
    if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) depth += 1;
    else if (b === 0x7d || b === 0x5d) {
      if (depth === 0) {
        if (b !== 0x5d) return undefined;
        const last = trim(bytes, start, i);
        if (last.length > 0) elements.push(last);
        else if (elements.length > 0) return undefined; // a trailing comma
        return skipSpace(bytes, i + 1) === bytes.length ? elements : undefined;
      }
      depth -= 1;
    } else if (b === 0x2c /* , */ && depth === 0) {
      const el = trim(bytes, start, i);
      if (el.length === 0) return undefined;
      elements.push(el);
      start = i + 1;
    }
  }
  return undefined;
}

function isSpace(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

function skipSpace(bytes: Buffer, i: number): number {
  while (i < bytes.length && isSpace(bytes[i])) i++;
  return i;
}

function trim(bytes: Buffer, start: number, end: number): Buffer {
  while (start < end && isSpace(bytes[start])) start++;
  while (end > start && isSpace(bytes[end - 1])) end--;
  return bytes.subarray(start, end);
}
