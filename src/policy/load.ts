import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { policySchema, type Policy } from '../../schemas/policy/policy.ts';
import type { AnyDetector } from '../detect/define-detector.ts';
import { overrideIssues } from '../detect/param-overrides.ts';
import { AppError } from '../errors.ts';

/**
 * Policy file → validated Policy. Errors name the field path AND the line:column in the file, and
 * all of them are reported at once (YAML syntax errors first, then schema errors), so whoever edits
 * the policy fixes everything in one pass instead of one error per CI run.
 */

export const EXAMPLE_POLICY_FILE = fileURLToPath(new URL('../../policy.example.yaml', import.meta.url));

export interface PolicyIssue {
  /** Dotted field path, e.g. `teams.1.budgets.0.dailyUsd`; '' for the document root. */
  path: string;
  line: number;
  column: number;
  message: string;
}

export interface LoadedPolicy {
  policy: Policy;
  /** Where it came from, for logs and the policy_versions table. */
  source: string;
}

type PathKey = string | number;

function keyOf(node: unknown): unknown {
  return isScalar(node) ? node.value : node;
}

/**
 * The YAML node closest to `path`: the value at the path when it exists, otherwise the deepest
 * existing ancestor. `keyNode` prefers the key of a mapping entry (for "unknown key" issues).
 */
function locate(doc: Document, path: PathKey[], keyNode = false): Node | null {
  let node: unknown = doc.contents;
  let best: Node | null = (doc.contents as Node | null) ?? null;
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && String(keyOf(p.key)) === String(step));
      if (!pair) return best;
      const last = i === path.length - 1;
      if (last && keyNode && pair.key) return pair.key as Node;
      node = pair.value;
      best = (pair.value as Node | null) ?? (pair.key as Node | null) ?? best;
    } else if (isSeq(node) && typeof step === 'number') {
      const item = node.items[step];
      if (item === undefined) return best;
      node = item;
      best = item as Node;
    } else {
      return best;
    }
  }
  return best;
}

function position(doc: Document, lines: LineCounter, path: PathKey[], keyNode = false): { line: number; column: number } {
  const node = locate(doc, path, keyNode);
  const offset = node?.range?.[0] ?? 0;
  const pos = lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function zodIssues(error: z.ZodError, doc: Document, lines: LineCounter): PolicyIssue[] {
  const out: PolicyIssue[] = [];
  for (const issue of error.issues) {
    const base = issue.path.filter((p): p is PathKey => typeof p === 'string' || typeof p === 'number');
    // zod reports unknown keys once per object; point at each offending key instead.
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...base, key];
        out.push({ path: path.join('.'), ...position(doc, lines, path, true), message: `unknown field "${key}"` });
      }
      continue;
    }
    out.push({ path: base.join('.'), ...position(doc, lines, base), message: issue.message });
  }
  return out;
}

export function formatPolicyIssues(source: string, issues: PolicyIssue[]): string {
  return issues.map((i) => `${source}:${i.line}:${i.column} ${i.path || '(root)'}: ${i.message}`).join('\n  ');
}

/**
 * Parses policy text; throws AppError POLICY_INVALID listing every problem with file:line:col.
 * With `detectors`, the `detectors:` section's overrides are checked against each detector's own
 * parameter declarations too (the schema alone cannot know them).
 */
export function parsePolicy(text: string, source = '<policy>', detectors?: readonly AnyDetector[]): Policy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntax: PolicyIssue[] = [...doc.errors].map((e) => {
    const pos = lines.linePos(e.pos[0]);
    return { path: '', line: pos.line, column: pos.col, message: `YAML: ${e.message.split('\n')[0] ?? e.code}` };
  });
  if (syntax.length > 0) fail(source, syntax);
  const result = policySchema.safeParse(doc.toJS());
  if (!result.success) fail(source, zodIssues(result.error, doc, lines));
  if (detectors) {
    const issues = overrideIssues(result.data.detectors, detectors, new Set(result.data.teams.map((t) => t.id)));
    if (issues.length > 0) fail(source, issues.map((i) => ({ path: i.path.join('.'), ...position(doc, lines, i.path), message: i.message })));
  }
  return result.data;
}

function fail(source: string, issues: PolicyIssue[]): never {
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  throw new AppError('POLICY_INVALID', `invalid policy (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n  ${formatPolicyIssues(source, issues)}`, {
    source,
    issues,
  });
}

export function loadPolicyFile(file: string, detectors?: readonly AnyDetector[]): LoadedPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('POLICY_INVALID', `cannot read policy file ${file}`, { file }, false, { cause: err });
  }
  return { policy: parsePolicy(text, file, detectors), source: file };
}

/**
 * The policy file to use: --policy, else config.policyFile (which the config loader fills from
 * DRIFTWATCH_POLICY). Detectors without a policy would call every key unmanaged, so it is required.
 */
export function resolvePolicyFile(cliOption: string | undefined, configured: string | undefined): string {
  const file = cliOption ?? configured;
  if (!file) {
    throw new AppError('POLICY_INVALID', 'no policy file: pass --policy FILE, set DRIFTWATCH_POLICY, or set policyFile in the config');
  }
  return file;
}
