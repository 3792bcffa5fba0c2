import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policySchema, type Policy } from '../../schemas/policy/policy.ts';
import type { SourceKind } from '../decode/types.ts';
import { replayFiles } from '../ingest/replay.ts';
import { DATA_TABLES } from '../normalize/rows.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../policy/load.ts';
import { syncPolicy } from '../policy/sync.ts';
import { createLogger } from '../telemetry/logger.ts';
import { persistAlerts, type Alert } from './alerts.ts';
import type { AnyDetector } from './define-detector.ts';
import { runDetector } from './run.ts';
import { scratchDir, sharedScratchStore, truncateTables } from './scratch-store.ts';

/**
 * Fixture tests for a detector, the way it runs in production: records in the sources' real wire
 * formats → the real decoders (replayFiles) → the real engine (ClickHouse / chdb) → the policy
 * synced into its tables → runDetector → alerts stored through the idempotent path. Then the same
 * window is run again and must raise nothing new (re-runs and catch-up never double-alert).
 *
 *   detectorCases(detector, [
 *     { name: 'fires on …', records: { billing: [...], agent: [...] }, window, expect: [{ entity, team }] },
 *     { name: 'quiet when …', records: {...}, window, expect: 'none' },
 *   ]);
 *
 * At least one case must expect alerts and one must expect none: a detector that cannot fire, or
 * that fires on everything, fails its own test file.
 */

export interface ExpectedAlert {
  entity: string;
  team?: string;
  identity?: string;
  credential?: string;
  /** Further assertions on the stored alert (evidence, impact, summary …). */
  check?: (alert: Alert) => void;
}

export interface DetectorCase {
  name: string;
  /** Raw records per source, e.g. built with detectors/_shared/fixtures.ts. */
  records: Partial<Record<SourceKind, readonly object[]>>;
  /** The data window [from, to) passed to the query (ISO 8601). */
  window: { from: string; to: string };
  /** Edit a copy of policy.example.yaml for this case; the result is validated like a file. */
  policy?: (base: Policy) => Policy;
  params?: Record<string, unknown>;
  /** Run as an early look at a window still filling (`{early:UInt8}` = 1; early detectors only). */
  early?: boolean;
  expect: 'none' | readonly ExpectedAlert[];
}

export interface CaseResult {
  alerts: Alert[];
  rows: number;
}

const STATE_TABLES = ['ingest_rejects', 'alerts', 'detector_runs', 'detector_watermarks'];
const silent = createLogger('silent');

async function rejectDetails(): Promise<string> {
  const { store } = await sharedScratchStore();
  const res = await store.client.query({ query: 'SELECT source, format, reason, detail FROM ingest_rejects LIMIT 10', format: 'JSONEachRow' });
  return (await res.json<Record<string, string>>()).map((r) => `${r['source']} ${r['format'] || '?'} ${r['reason']}: ${r['detail']}`).join('\n  ');
}

/** Loads one case's records and policy into a clean engine, runs the detector, returns what fired. */
export async function runCase(detector: AnyDetector, c: DetectorCase): Promise<CaseResult> {
  const { store, config } = await sharedScratchStore();
  await truncateTables(store, [...DATA_TABLES, ...STATE_TABLES]);
  const dir = scratchDir('records');
  for (const [source, records] of Object.entries(c.records) as [SourceKind, readonly object[]][]) {
    if (records.length === 0) continue;
    // A unique file name gives unique deduplication tokens, so no case's rows shadow another's.
    const file = join(dir, `${source}-${process.hrtime.bigint()}.ndjson`);
    writeFileSync(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const summary = await replayFiles(source, [file], config, store, silent);
    if (summary.rejected > 0) {
      throw new Error(`${c.name}: ${summary.rejected} ${source} fixture record(s) rejected by the decoders:\n  ${await rejectDetails()}`);
    }
  }
  const base = loadPolicyFile(EXAMPLE_POLICY_FILE).policy;
  const policy = c.policy ? policySchema.parse(c.policy(structuredClone(base))) : base;
  const { version } = await syncPolicy(store, policy, c.policy ? `${EXAMPLE_POLICY_FILE} (edited by case)` : EXAMPLE_POLICY_FILE);
  const window = { from: new Date(c.window.from), to: new Date(c.window.to) };
  const run = await runDetector(store, detector, window, { params: c.params, policyVersion: version, early: c.early });
  const { created } = await persistAlerts(store, run.alerts, new Date());
  return { alerts: created, rows: run.rows };
}

function shape(a: Alert, like: ExpectedAlert): ExpectedAlert {
  const out: ExpectedAlert = { entity: a.entity };
  if (like.team !== undefined) out.team = a.team;
  if (like.identity !== undefined) out.identity = a.identity;
  if (like.credential !== undefined) out.credential = a.credential;
  return out;
}

export function detectorCases(detector: AnyDetector, cases: readonly DetectorCase[]): void {
  const firing = cases.filter((c) => c.expect !== 'none' && c.expect.length > 0);
  const quiet = cases.filter((c) => c.expect === 'none');
  if (firing.length === 0 || quiet.length === 0) {
    throw new Error(`${detector.id}: detectorCases needs at least one case that expects alerts and one that expects none`);
  }
  describe(detector.id, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const { alerts } = await runCase(detector, c);
        if (c.expect === 'none') {
          expect(alerts.map((a) => `${a.entity}: ${a.summary}`)).toEqual([]);
          return;
        }
        const byEntity = (x: { entity: string }, y: { entity: string }) => x.entity.localeCompare(y.entity);
        const expected = [...c.expect].sort(byEntity);
        const sorted = [...alerts].sort(byEntity);
        const actual = sorted.map((a, i) => shape(a, expected[i] ?? { entity: a.entity }));
        expect(actual).toEqual(expected.map(({ check: _check, ...rest }) => rest));
        expected.forEach((e, i) => e.check?.(sorted[i] as Alert));
        for (const a of alerts) {
          expect(a.summary.length, `${a.entity} has a summary`).toBeGreaterThan(20);
          expect(Object.keys(a.evidence.figures).length, `${a.entity} carries figures`).toBeGreaterThan(0);
        }
        // Idempotent: the same window again raises nothing new.
        const { store } = await sharedScratchStore();
        const again = await runDetector(store, detector, { from: new Date(c.window.from), to: new Date(c.window.to) }, { params: c.params, early: c.early });
        expect((await persistAlerts(store, again.alerts, new Date())).created).toEqual([]);
      });
    }
  });
}
