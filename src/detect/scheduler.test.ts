import cron from 'node-cron';
import { beforeEach, describe, expect, it } from 'vitest';
import { at, litellmSpendLog } from '../../detectors/_shared/fixtures.ts';
import { defineDetector } from './define-detector.ts';
import { DetectorScheduler, LATE_CHECK_MS, pollExpression } from './scheduler.ts';
import { truncateTables } from './scratch-store.ts';
import { sql } from './sql.ts';
import { readWatermark } from './state.ts';
import { alertPerHour, common, deps, emptyTables, gatewayVolume, gatewayVolumeEarly, ingest, log, until } from './test-support.ts';

beforeEach(emptyTables);

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
    // With two lanes the fast detector's whole cycle (query, evaluate, alerts, run record, watermark) ends while the slow
    // query still runs. Every one of those statements is parameterized: this fails if they queue behind the slow query,
    // as they did while chdb bound parameters one statement at a time per process (src/store/inline-params.ts).
    const marks: string[] = [];
    const fast = defineDetector({
      ...common,
      id: 'gateway.test-fast',
      schedule: gatewayVolume.schedule,
      query: gatewayVolume.query,
      evaluate: (rows: object[]) => {
        marks.push('fast evaluated');
        return rows;
      },
      alert: alertPerHour,
    });
    const order = async (lanes: number) => {
      await truncateTables(d.store, ['alerts', 'detector_runs', 'detector_watermarks']);
      marks.length = 0;
      const scheduler = new DetectorScheduler({
        store: d.store, log, detectors: [slow, fast], policyVersion: async () => 'test', lanes,
        since: new Date(at('09:00')), now: () => new Date(at('10:30')),
      });
      try {
        await Promise.all([scheduler.tick(slow).then(() => marks.push('slow done')), scheduler.tick(fast).then(() => marks.push('fast done'))]);
      } finally {
        await scheduler.stop();
      }
      // Both evaluated their window whatever the order.
      for (const x of [slow, fast]) expect(await readWatermark(d.store, x.id)).toBe(Date.parse(at('10:00')));
      return marks;
    };
    expect(await order(2)).toEqual(['fast evaluated', 'fast done', 'slow done']);
    expect(await order(1)).toEqual(['slow done', 'fast evaluated', 'fast done']);
  });
});

describe('scheduler: early detectors', () => {
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

describe('scheduler: early detectors before a catch-up', () => {
  it("evaluates an early detector's open window before the regular runs already waiting for a lane", async () => {
    const d = await deps();
    await ingest('gateway', [litellmSpendLog(at('09:30')), litellmSpendLog(at('10:20'))]);
    const marks: string[] = [];
    // Two catch-ups that hold the only lane a second each (the engine sleeps a second per row read).
    const slow = (id: string) => defineDetector({
      ...common,
      id,
      schedule: gatewayVolume.schedule,
      query: sql`SELECT team_id AS team, toStartOfHour(min(event_time)) AS hour, count() AS n FROM gateway_requests
                 WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} AND sleepEachRow(1) = 0 GROUP BY team_id`,
      evaluate: (rows: object[]) => {
        marks.push(`${id} evaluated`);
        return rows;
      },
      alert: alertPerHour,
    });
    const [first, second] = [slow('gateway.test-slow-1'), slow('gateway.test-slow-2')];
    const scheduler = new DetectorScheduler({
      store: d.store, log, detectors: [first, second, gatewayVolumeEarly], policyVersion: async () => 'test', lanes: 1,
      since: new Date(at('09:00')), now: () => new Date(at('10:25')),
      onNewAlerts: (created, detector) => { if (detector.early) marks.push(...created.map((a) => `early alert ${a.windowEnd}`)); },
    });
    try {
      const running = scheduler.tick(first);
      // The first catch-up holds the lane (its query sleeps a second) when the other two ask for it.
      await new Promise((r) => setTimeout(r, 300));
      await Promise.all([running, scheduler.tick(second), scheduler.tick(gatewayVolumeEarly)]);
    } finally {
      await scheduler.stop();
    }
    // The open windows' alerts come between the two catch-ups: they jumped the second one, which was queued before them.
    expect(marks).toEqual(['gateway.test-slow-1 evaluated', `early alert ${at('10:00:00.000')}`, `early alert ${at('11:00:00.000')}`, 'gateway.test-slow-2 evaluated']);
  });
});

describe('scheduler: late data', () => {
  it('re-evaluates a window at the next tick after late data lands, not after the hour of its regular recheck', async () => {
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
      clock += LATE_CHECK_MS / 2;
      await ingest('gateway', [litellmSpendLog(at('09:40'))]);
      await new Promise((r) => setTimeout(r, 2_500));
      expect(alerts, 'no recheck sooner than LATE_CHECK_MS after the last').toEqual([]);
      clock += LATE_CHECK_MS / 2 + 1_000;
      await until(async () => alerts.length > 0);
      expect(alerts).toEqual(['team:team-platform-eng']);
    } finally {
      await scheduler.stop();
    }
  });
});
