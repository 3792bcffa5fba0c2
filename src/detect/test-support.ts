import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { SourceKind } from '../decode/types.ts';
import { replayFiles } from '../ingest/replay.ts';
import { DATA_TABLES } from '../normalize/rows.ts';
import { createLogger } from '../telemetry/logger.ts';
import type { CycleDeps } from './cycle.ts';
import { defineDetector } from './define-detector.ts';
import { scratchDir, sharedScratchStore, truncateTables } from './scratch-store.ts';
import { sql } from './sql.ts';
import { utcHour } from './windows.ts';

/** Set-up shared by the cycle and scheduler tests: test detectors over the scratch store, and ingest through replay. */

export const log = createLogger('silent');
export const common = {
  title: 'Volume per team and hour',
  description: 'One alert per team and hour with traffic; makes window handling observable.',
  severity: 'info' as const,
  audience: 'finops' as const,
  controls: { owaspAgentic: ['ASI08'], maestro: ['L5'], nistAiRmf: ['MEASURE 2.7'], nistCsf: ['DE.CM-01'] },
  runbook: 'Test detector: alerts mean the scheduler evaluated that hour of data.',
  falsePositives: ['None; test only'],
};
interface Row { team: string; hour: string; n: number }
export const alertPerHour = (r: Row) => ({
  entity: `team:${r.team}`, team: r.team, identity: '', credential: '', summary: `${r.n} records in the hour for ${r.team}`,
  evidence: { figures: { n: r.n } }, ...utcHour(r.hour),
});

// The test detectors' hourly schedule.
const HOURLY = { every: '1h', lookback: '1h', settle: '10m', maxWait: '6h', recheck: '24h' };

export const gatewayVolume = defineDetector({
  ...common,
  id: 'gateway.test-volume',
  schedule: HOURLY,
  query: sql`SELECT team_id AS team, toStartOfHour(min(event_time)) AS hour, count() AS n FROM gateway_requests
             WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} GROUP BY team_id`,
  alert: alertPerHour,
});

// The same detector, declared `early`: its findings only grow as an hour's data lands.
export const gatewayVolumeEarly = defineDetector({
  ...common,
  id: 'gateway.test-volume-early',
  schedule: HOURLY,
  early: true,
  query: gatewayVolume.query,
  alert: alertPerHour,
});

// The same detector in batch form: one query evaluates every due window (define-detector.ts).
export const gatewayVolumeBatch = defineDetector({
  ...common,
  id: 'gateway.test-volume-batch',
  schedule: HOURLY,
  batch: true,
  query: sql`SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, event_time), 0), {every:UInt32}) + 1)) AS window_end,
                    team_id AS team, toStartOfHour(min(event_time)) AS hour, count() AS n FROM gateway_requests
             WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} GROUP BY window_end, team_id ORDER BY window_end, team`,
  alert: alertPerHour,
});

export const billingVolume = defineDetector({
  ...common,
  id: 'billing.test-volume',
  schedule: { every: '1h', lookback: '1h', settle: '0m', maxWait: '6h', recheck: '24h' },
  requires: ['billing'],
  query: sql`SELECT api_key_id AS team, toStartOfHour(min(event_time)) AS hour, count() AS n FROM provider_usage
             WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} GROUP BY api_key_id`,
  alert: alertPerHour,
});

export async function ingest(source: SourceKind, records: object[]): Promise<void> {
  const { store, config } = await sharedScratchStore();
  const file = join(scratchDir('records'), `${source}-${process.hrtime.bigint()}.ndjson`);
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n'));
  const summary = await replayFiles(source, [file], config, store, log);
  expect(summary.rejected).toBe(0);
}

export async function deps(): Promise<CycleDeps> {
  return { store: (await sharedScratchStore()).store, log, policyVersion: 'test' };
}

/** Each case starts from empty source tables, alerts and detector state. */
export async function emptyTables(): Promise<void> {
  const { store } = await sharedScratchStore();
  await truncateTables(store, [...DATA_TABLES, 'alerts', 'detector_runs', 'detector_watermarks']);
}

/** Polls `ok` until it holds (the scheduler's own ticks are real-time); fails after 20 s. */
export async function until(ok: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await ok()); waited += 100) {
    if (waited > 20_000) throw new Error('the scheduler did not get there on its own ticks within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}
