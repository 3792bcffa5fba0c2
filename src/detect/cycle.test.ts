import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { anthropicUsagePage, at, bedrockInvocation, litellmSpendLog, openAiUsagePage } from '../../detectors/_shared/fixtures.ts';
import type { SourceKind } from '../decode/types.ts';
import { replayFiles } from '../ingest/replay.ts';
import { DATA_TABLES } from '../normalize/rows.ts';
import { createLogger } from '../telemetry/logger.ts';
import { runCycle, runEarly, type CycleDeps } from './cycle.ts';
import { defineDetector } from './define-detector.ts';
import cron from 'node-cron';
import { DetectorScheduler, pollExpression } from './scheduler.ts';
import { scratchDir, sharedScratchStore, truncateTables } from './scratch-store.ts';
import { sourceHighWater } from './sources.ts';
import { sql } from './sql.ts';
import { readWatermark, writeWatermark } from './state.ts';
import { utcHour } from './windows.ts';

const log = createLogger('silent');
const common = {
  title: 'Volume per team and hour',
  description: 'One alert per team and hour with traffic; makes window handling observable.',
  severity: 'info' as const,
  audience: 'finops' as const,
  controls: { owaspAgentic: ['ASI08'], maestro: ['L5'], nistAiRmf: ['MEASURE 2.7'], nistCsf: ['DE.CM-01'] },
  runbook: 'Test detector: alerts mean the scheduler evaluated that hour of data.',
  falsePositives: ['None; test only'],
};
interface Row { team: string; hour: string; n: number }
const alertPerHour = (r: Row) => ({
  entity: `team:${r.team}`, team: r.team, identity: '', credential: '', summary: `${r.n} records in the hour for ${r.team}`,
  evidence: { figures: { n: r.n } }, ...utcHour(r.hour),
});

const gatewayVolume = defineDetector({
  ...common,
  id: 'gateway.test-volume',
  schedule: { every: '1h', lookback: '1h', settle: '10m', maxWait: '6h', recheck: '24h' },
  query: sql`SELECT team_id AS team, toStartOfHour(min(event_time)) AS hour, count() AS n FROM gateway_requests
             WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} GROUP BY team_id`,
  alert: alertPerHour,
});

// The same detector, declared `early`: its findings only grow as an hour's data lands.
const gatewayVolumeEarly = defineDetector({
  ...common,
  id: 'gateway.test-volume-early',
  schedule: { every: '1h', lookback: '1h', settle: '10m', maxWait: '6h', recheck: '24h' },
  early: true,
  query: gatewayVolume.query,
  alert: alertPerHour,
});

// The same detector in batch form: one query evaluates every due window (define-detector.ts).
const gatewayVolumeBatch = defineDetector({
  ...common,
  id: 'gateway.test-volume-batch',
  schedule: { every: '1h', lookback: '1h', settle: '10m', maxWait: '6h', recheck: '24h' },
  batch: true,
  query: sql`SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, event_time), 0), {every:UInt32}) + 1)) AS window_end,
                    team_id AS team, toStartOfHour(min(event_time)) AS hour, count() AS n FROM gateway_requests
             WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} GROUP BY window_end, team_id ORDER BY window_end, team`,
  alert: alertPerHour,
});

const billingVolume = defineDetector({
  ...common,
  id: 'billing.test-volume',
  schedule: { every: '1h', lookback: '1h', settle: '0m', maxWait: '6h', recheck: '24h' },
  requires: ['billing'],
  query: sql`SELECT api_key_id AS team, toStartOfHour(min(event_time)) AS hour, count() AS n FROM provider_usage
             WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} GROUP BY api_key_id`,
  alert: alertPerHour,
});

async function ingest(source: SourceKind, records: object[]): Promise<void> {
  const { store, config } = await sharedScratchStore();
  const file = join(scratchDir('records'), `${source}-${process.hrtime.bigint()}.ndjson`);
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n'));
  const summary = await replayFiles(source, [file], config, store, log);
  expect(summary.rejected).toBe(0);
}

async function deps(): Promise<CycleDeps> {
  return { store: (await sharedScratchStore()).store, log, policyVersion: 'test' };
}

const chTime = (t: string) => at(t).replace('T', ' ').replace('Z', '.000');
const hoursOf = (r: Awaited<ReturnType<typeof runCycle>>) => r.evaluated.map((o) => [o.window.to.toISOString(), o.trigger, o.newAlerts.length]);

beforeEach(async () => {
  const { store } = await sharedScratchStore();
  await truncateTables(store, [...DATA_TABLES, 'alerts', 'detector_runs', 'detector_watermarks']);
});

describe('detector cycle', () => {
  it('catches up window by window after downtime, and a second cycle evaluates nothing', async () => {
    const d = await deps();
    await ingest('gateway', [litellmSpendLog(at('10:15')), litellmSpendLog(at('12:40')), litellmSpendLog(at('12:41'))]);
    await writeWatermark(d.store, gatewayVolume.id, Date.parse(at('10:00')), new Date(at('10:05')));

    const report = await runCycle(d, gatewayVolume, new Date(at('14:09')));
    // now − settle = 13:59 → the last due window ends at 13:00.
    expect(hoursOf(report)).toEqual([
      [at('11:00:00.000'), 'catch-up', 1],
      [at('12:00:00.000'), 'catch-up', 0],
      [at('13:00:00.000'), 'schedule', 1],
    ]);
    expect(await readWatermark(d.store, gatewayVolume.id)).toBe(Date.parse(at('13:00')));
    expect((await runCycle(d, gatewayVolume, new Date(at('14:09')))).evaluated).toEqual([]);
    const next = await runCycle(d, gatewayVolume, new Date(at('14:10')));
    expect(hoursOf(next)).toEqual([[at('14:00:00.000'), 'schedule', 0]]);
  });

  it('catches up a batch detector with one query for all due windows, recording each window', async () => {
    const d = await deps();
    await ingest('gateway', [litellmSpendLog(at('10:15')), litellmSpendLog(at('12:40')), litellmSpendLog(at('12:41'))]);
    await writeWatermark(d.store, gatewayVolumeBatch.id, Date.parse(at('10:00')), new Date(at('10:05')));
    const query = vi.spyOn(d.store.client, 'query');
    try {
      const report = await runCycle(d, gatewayVolumeBatch, new Date(at('14:09')));
      expect(hoursOf(report)).toEqual([
        [at('11:00:00.000'), 'catch-up', 1],
        [at('12:00:00.000'), 'catch-up', 0],
        [at('13:00:00.000'), 'schedule', 1],
      ]);
      expect(query.mock.calls.filter(([q]) => q.query === gatewayVolumeBatch.query)).toHaveLength(1);
    } finally {
      query.mockRestore();
    }
    expect(await readWatermark(d.store, gatewayVolumeBatch.id)).toBe(Date.parse(at('13:00')));
    const res = await d.store.client.query({
      query: 'SELECT toString(window_end) AS w, rows, new_alerts FROM detector_runs WHERE detector = {d:String} ORDER BY window_end',
      query_params: { d: gatewayVolumeBatch.id }, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    expect(await res.json()).toEqual([
      { w: chTime('11:00'), rows: 1, new_alerts: 1 },
      { w: chTime('12:00'), rows: 0, new_alerts: 0 },
      { w: chTime('13:00'), rows: 1, new_alerts: 1 },
    ]);
    // Late data in a batch-evaluated window: that window alone is evaluated again.
    await ingest('gateway', [litellmSpendLog(at('11:30'), { team_id: 'team-web', metadata: { user_api_key_team_id: 'team-web' } })]);
    const late = await runCycle(d, gatewayVolumeBatch, new Date(at('14:09')));
    expect(hoursOf(late)).toEqual([[at('12:00:00.000'), 'late-data', 1]]);
  });

  it('waits for billing to report past the window end, then evaluates', async () => {
    const d = await deps();
    await ingest('billing', [anthropicUsagePage(at('13:00'), [{}])]);
    await writeWatermark(d.store, billingVolume.id, Date.parse(at('13:00')), new Date(at('13:00')));

    const first = await runCycle(d, billingVolume, new Date(at('16:30')));
    expect(hoursOf(first)).toEqual([[at('14:00:00.000'), 'catch-up', 1]]);
    expect(first.waiting).toEqual({ source: 'billing', reportedUntil: Date.parse(at('14:00')), windowEnd: Date.parse(at('15:00')) });

    await ingest('billing', [anthropicUsagePage(at('14:00'), [{ api_key_id: 'apikey_01LateBucket0000000000' }])]);
    const second = await runCycle(d, billingVolume, new Date(at('16:31')));
    expect(hoursOf(second)).toEqual([[at('15:00:00.000'), 'catch-up', 1]]);
    expect(second.waiting?.windowEnd).toBe(Date.parse(at('16:00')));
  });

  it('bounds billing by its slowest usage export; a quiet Bedrock stream does not hold it back', async () => {
    const d = await deps();
    const now = new Date(at('18:00'));
    expect(await sourceHighWater(d.store, 'billing', now)).toBeNull();
    await ingest('billing', [bedrockInvocation(at('12:00'))]);
    // Only a stream so far: it has delivered up to its latest record.
    expect(await sourceHighWater(d.store, 'billing', now)).toBe(Date.parse(at('12:00')));
    await ingest('billing', [anthropicUsagePage(at('15:00'), [{}]), openAiUsagePage(at('13:00'), [{}]), bedrockInvocation(at('16:20'))]);
    expect(await sourceHighWater(d.store, 'billing', now)).toBe(Date.parse(at('14:00')));
    await ingest('gateway', [litellmSpendLog(at('09:00')), litellmSpendLog(at('17:45'))]);
    expect(await sourceHighWater(d.store, 'gateway', now)).toBe(Date.parse(at('17:45')));
    // A stream counts while it is active this week: eight days on, the same gateway log says nothing.
    expect(await sourceHighWater(d.store, 'gateway', new Date(now.getTime() + 8 * 86_400_000))).toBeNull();
    expect(await sourceHighWater(d.store, 'gateway', new Date(now.getTime() + 6 * 86_400_000))).toBe(Date.parse(at('17:45')));
  });

  it('stops waiting after maxWait and flags the run', async () => {
    const d = await deps();
    await writeWatermark(d.store, billingVolume.id, Date.parse(at('01:00')), new Date(at('01:00')));
    const report = await runCycle(d, billingVolume, new Date(at('08:30')), { recheck: false });
    // No billing at all: windows ending ≥ 6 h ago run flagged, the rest wait.
    expect(report.evaluated.map((o) => [o.window.to.toISOString(), o.trigger])).toEqual([[at('02:00:00.000'), 'max-wait']]);
    expect(report.waiting?.windowEnd).toBe(Date.parse(at('03:00')));
  });

  it('measures maxWait on the data\'s own clock too: a backlog being caught up waits for its lagging source', async () => {
    const d = await deps();
    await writeWatermark(d.store, billingVolume.id, Date.parse(at('01:00')), new Date(at('01:00')));
    // The gateway's backlog has reached 03:30 so far; billing none. On the wall clock (08:30) the
    // 02:00 window waited 6.5 h, on the data's only 1.5 h: it still waits.
    await ingest('gateway', [litellmSpendLog(at('03:30'))]);
    const early = await runCycle(d, billingVolume, new Date(at('08:30')), { recheck: false });
    expect(early.evaluated).toEqual([]);
    expect(early.waiting?.windowEnd).toBe(Date.parse(at('02:00')));
    // The backlog reaches 08:10: the data moved 6 h past 02:00, so that window runs anyway, flagged.
    await ingest('gateway', [litellmSpendLog(at('08:10'))]);
    const caught = await runCycle(d, billingVolume, new Date(at('08:30')), { recheck: false });
    expect(caught.evaluated.map((o) => [o.window.to.toISOString(), o.trigger])).toEqual([[at('02:00:00.000'), 'max-wait']]);
    expect(caught.waiting?.windowEnd).toBe(Date.parse(at('03:00')));
  });

  it('re-evaluates a window when late data lands in it, once', async () => {
    const d = await deps();
    await writeWatermark(d.store, gatewayVolume.id, Date.parse(at('10:00')), new Date(at('10:00')));
    expect(hoursOf(await runCycle(d, gatewayVolume, new Date(at('11:10'))))).toEqual([[at('11:00:00.000'), 'schedule', 0]]);

    await ingest('gateway', [litellmSpendLog(at('10:30'), { team_id: 'team-web', metadata: { user_api_key_team_id: 'team-web' } })]);
    const late = await runCycle(d, gatewayVolume, new Date(at('11:20')));
    expect(hoursOf(late)).toEqual([[at('11:00:00.000'), 'late-data', 1]]);
    expect(late.evaluated[0]?.newAlerts[0]?.entity).toBe('team:team-web');
    expect((await runCycle(d, gatewayVolume, new Date(at('11:30')))).evaluated).toEqual([]);
  });
});

describe('scheduler', () => {
  it('ticks every few seconds by default, on round seconds or minutes', () => {
    expect(pollExpression(15)).toBe('*/15 * * * * *');
    expect(pollExpression(7)).toBe('*/6 * * * * *');
    expect(pollExpression(1)).toBe('*/1 * * * * *');
    expect(pollExpression(60)).toBe('0 * * * * *');
    expect(pollExpression(300)).toBe('0 */5 * * * *');
    expect(pollExpression(3_600)).toBe('0 */30 * * * *');
    for (const s of [1, 7, 15, 45, 60, 300, 3_600]) expect(cron.validate(pollExpression(s)), String(s)).toBe(true);
  });

  it('runs a catch-up cycle on start and stops cleanly', async () => {
    const d = await deps();
    await ingest('gateway', [litellmSpendLog(at('09:30'))]);
    const alerts: string[] = [];
    const scheduler = new DetectorScheduler({
      store: d.store, log, detectors: [gatewayVolume], policyVersion: async () => 'test',
      since: new Date(at('09:00')), now: () => new Date(at('10:30')),
      onNewAlerts: (created) => { alerts.push(...created.map((a) => a.entity)); },
    });
    scheduler.start();
    await scheduler.tick(gatewayVolume);
    await scheduler.stop();
    expect(alerts).toEqual(['team:team-platform-eng']);
    expect(await readWatermark(d.store, gatewayVolume.id)).toBe(Date.parse(at('10:00')));
  });

  it('runs a window on its own ticks once it is due, without a call from outside', async () => {
    const d = await deps();
    let clock = Date.parse(at('10:30'));
    const scheduler = new DetectorScheduler({
      store: d.store, log, detectors: [gatewayVolume], policyVersion: async () => 'test', pollSeconds: 1,
      since: new Date(at('09:00')), now: () => new Date(clock),
    });
    scheduler.start();
    try {
      await until(async () => (await readWatermark(d.store, gatewayVolume.id)) === Date.parse(at('10:00')));
      // The 10:00 window's data lands and its settle passes (the injected clock): the next ticks run it.
      await ingest('gateway', [litellmSpendLog(at('10:40'))]);
      clock = Date.parse(at('11:11'));
      await until(async () => (await readWatermark(d.store, gatewayVolume.id)) === Date.parse(at('11:00')));
    } finally {
      await scheduler.stop();
    }
  });

  it('runs detectors side by side on lanes of their own sessions; with one lane, one after the other', async () => {
    const d = await deps();
    await ingest('gateway', [litellmSpendLog(at('09:30'))]);
    // The engine sleeps a second per row this detector reads: its session is busy for that long.
    const slow = defineDetector({
      ...common,
      id: 'gateway.test-slow',
      schedule: gatewayVolume.schedule,
      query: sql`SELECT team_id AS team, toStartOfHour(min(event_time)) AS hour, count() AS n FROM gateway_requests
                 WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} AND sleepEachRow(1) = 0 GROUP BY team_id`,
      alert: alertPerHour,
    });
    const order = async (lanes: number) => {
      await truncateTables(d.store, ['alerts', 'detector_runs', 'detector_watermarks']);
      const finished: string[] = [];
      const scheduler = new DetectorScheduler({
        store: d.store, log, detectors: [slow, gatewayVolume], policyVersion: async () => 'test', lanes,
        since: new Date(at('09:00')), now: () => new Date(at('10:30')),
      });
      try {
        await Promise.all([slow, gatewayVolume].map((x) => scheduler.tick(x).then(() => finished.push(x.id))));
      } finally {
        await scheduler.stop();
      }
      // Both evaluated their window whatever the order.
      for (const x of [slow, gatewayVolume]) expect(await readWatermark(d.store, x.id)).toBe(Date.parse(at('10:00')));
      return finished;
    };
    expect(await order(2)).toEqual([gatewayVolume.id, slow.id]);
    expect(await order(1)).toEqual([slow.id, gatewayVolume.id]);
  });
});

describe('early evaluation', () => {
  const outcomes = (list: Awaited<ReturnType<typeof runEarly>>) => list.map((o) => [o.window.to.toISOString(), o.trigger, o.newAlerts.length]);

  it('alerts from the open window as its data lands, and the regular run later finds that alert known', async () => {
    const d = await deps();
    await writeWatermark(d.store, gatewayVolumeEarly.id, Date.parse(at('10:00')), new Date(at('10:10')));
    await ingest('gateway', [litellmSpendLog(at('10:20'))]);
    expect(outcomes(await runEarly(d, gatewayVolumeEarly, new Date(at('10:25'))))).toEqual([[at('11:00:00.000'), 'early', 1]]);
    // More of the hour lands: looked at again, the same incident, nothing new to deliver.
    await ingest('gateway', [litellmSpendLog(at('10:40'))]);
    expect(outcomes(await runEarly(d, gatewayVolumeEarly, new Date(at('10:45'))))).toEqual([[at('11:00:00.000'), 'early', 0]]);
    const regular = await runCycle(d, gatewayVolumeEarly, new Date(at('11:15')), { recheck: false });
    expect(regular.evaluated.map((o) => [o.window.to.toISOString(), o.trigger, o.newAlerts.length])).toEqual([[at('11:00:00.000'), 'schedule', 0]]);
    expect(regular.watermark).toBe(Date.parse(at('11:00')));
    // The watermark is the regular run's alone: an early pass never moves it.
    expect(outcomes(await runEarly(d, gatewayVolumeEarly, new Date(at('11:20'))))).toEqual([[at('12:00:00.000'), 'early', 0]]);
    expect(await readWatermark(d.store, gatewayVolumeEarly.id)).toBe(Date.parse(at('11:00')));
  });

  it('looks at the window still settling and the one holding now, and waits for a first regular run', async () => {
    const d = await deps();
    expect(await runEarly(d, gatewayVolumeEarly, new Date(at('10:05')))).toEqual([]);
    await writeWatermark(d.store, gatewayVolumeEarly.id, Date.parse(at('08:00')), new Date(at('08:10')));
    await ingest('gateway', [litellmSpendLog(at('09:50')), litellmSpendLog(at('10:01'))]);
    expect(outcomes(await runEarly(d, gatewayVolumeEarly, new Date(at('10:05'))))).toEqual([[at('10:00:00.000'), 'early', 1], [at('11:00:00.000'), 'early', 1]]);
  });

  it('runs on the scheduler\'s own ticks for an early detector only', async () => {
    const d = await deps();
    await ingest('gateway', [litellmSpendLog(at('10:20'))]);
    const alerts: string[] = [];
    const scheduler = new DetectorScheduler({
      store: d.store, log, detectors: [gatewayVolumeEarly, gatewayVolume], policyVersion: async () => 'test', pollSeconds: 1,
      since: new Date(at('09:00')), now: () => new Date(at('10:25')),
      onNewAlerts: (created, detector) => { alerts.push(`${detector.id} ${created.map((a) => a.entity).join()}`); },
    });
    scheduler.start();
    try {
      await until(async () => alerts.length > 0);
      await new Promise((r) => setTimeout(r, 2_000));
    } finally {
      await scheduler.stop();
    }
    expect(alerts).toEqual(['gateway.test-volume-early team:team-platform-eng']);
  });
});

describe('scheduler: late data', () => {
  it('re-evaluates a window within a minute of late data landing, not after the hour of its regular recheck', async () => {
    const d = await deps();
    let clock = Date.parse(at('10:30'));
    const alerts: string[] = [];
    const scheduler = new DetectorScheduler({
      store: d.store, log, detectors: [gatewayVolume], policyVersion: async () => 'test', pollSeconds: 1,
      since: new Date(at('09:00')), now: () => new Date(clock),
      onNewAlerts: (created) => { alerts.push(...created.map((a) => a.entity)); },
    });
    scheduler.start();
    try {
      // The 09:00–10:00 window is evaluated empty: its data is still in a consumer's backlog.
      await until(async () => (await readWatermark(d.store, gatewayVolume.id)) === Date.parse(at('10:00')));
      clock += 30_000;
      await ingest('gateway', [litellmSpendLog(at('09:40'))]);
      await new Promise((r) => setTimeout(r, 2_500));
      expect(alerts, 'no recheck sooner than a minute after the last').toEqual([]);
      clock += 31_000;
      await until(async () => alerts.length > 0);
      expect(alerts).toEqual(['team:team-platform-eng']);
    } finally {
      await scheduler.stop();
    }
  });
});

/** Polls `ok` until it holds (the scheduler's own ticks are real-time); fails after 20 s. */
async function until(ok: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await ok()); waited += 100) {
    if (waited > 20_000) throw new Error('the scheduler did not get there on its own ticks within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}
