import { beforeEach, describe, expect, it, vi } from 'vitest';
import { anthropicUsagePage, at, bedrockInvocation, litellmSpendLog, openAiUsagePage } from '../../detectors/_shared/fixtures.ts';
import { storedAlerts } from './alerts.ts';
import { earlyLook, runCycle, runEarly } from './cycle.ts';
import { defineDetector } from './define-detector.ts';
import { sourceHighWater } from './sources.ts';
import { readWatermark, writeWatermark } from './state.ts';
import { alertPerHour, billingVolume, common, deps, emptyTables, gatewayVolume, gatewayVolumeBatch, gatewayVolumeEarly, ingest } from './test-support.ts';
import { sql } from './sql.ts';

const chTime = (t: string) => at(t).replace('T', ' ').replace('Z', '.000');
const hoursOf = (r: Awaited<ReturnType<typeof runCycle>>) => r.evaluated.map((o) => [o.window.to.toISOString(), o.trigger, o.newAlerts.length]);

beforeEach(emptyTables);

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
    await ingest('gateway', [litellmSpendLog(at('08:20'))]);
    const report = await runCycle(d, billingVolume, new Date(at('08:30')), { recheck: false });
    // No billing at all while the gateway reports: windows ending ≥ 6 h ago run flagged, the rest wait.
    expect(report.evaluated.map((o) => [o.window.to.toISOString(), o.trigger])).toEqual([[at('02:00:00.000'), 'max-wait']]);
    expect(report.waiting?.windowEnd).toBe(Date.parse(at('03:00')));
  });

  it('does not run windows anyway before any source has stored anything (a first start)', async () => {
    const d = await deps();
    await writeWatermark(d.store, billingVolume.id, Date.parse(at('01:00')), new Date(at('01:00')));
    const report = await runCycle(d, billingVolume, new Date(at('08:30')), { recheck: false });
    expect(report.evaluated).toEqual([]);
    expect(report.waiting?.windowEnd).toBe(Date.parse(at('02:00')));
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
    await ingest('gateway', [litellmSpendLog(at('11:18'))]);
    expect(outcomes(await runEarly(d, gatewayVolumeEarly, new Date(at('11:20'))))).toEqual([[at('12:00:00.000'), 'early', 1]]);
    expect(await readWatermark(d.store, gatewayVolumeEarly.id)).toBe(Date.parse(at('11:00')));
  });

  it('binds {early} 1 in an early look and 0 in the regular run; a look that finds more grows the stored alert', async () => {
    // Reports the hour's volume as its impact, and which kind of run saw it.
    const growing = defineDetector({
      ...common,
      id: 'gateway.test-volume-growing',
      schedule: { every: '1h', lookback: '1h', settle: '10m', maxWait: '6h', recheck: '24h' },
      early: true,
      query: sql`SELECT team_id AS team, toStartOfHour(min(event_time)) AS hour, count() AS n, {early:UInt8} AS early FROM gateway_requests
                 WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} GROUP BY team_id`,
      alert: (r: { team: string; hour: string; n: number; early: number }) => ({ ...alertPerHour(r), summary: `${r.n} records, seen by ${r.early ? 'an early' : 'a regular'} run`, impactUsd: r.n }),
    });
    const d = await deps();
    await writeWatermark(d.store, growing.id, Date.parse(at('10:00')), new Date(at('10:10')));
    await ingest('gateway', [litellmSpendLog(at('10:20'))]);
    const [first] = (await runEarly(d, growing, new Date(at('10:25'))))[0]?.newAlerts ?? [];
    expect(first).toMatchObject({ summary: '1 records, seen by an early run', impactUsd: 1 });
    await ingest('gateway', [litellmSpendLog(at('10:40'))]);
    expect(outcomes(await runEarly(d, growing, new Date(at('10:45'))))).toEqual([[at('11:00:00.000'), 'early', 0]]);
    expect((await storedAlerts(d.store, [first?.fingerprint ?? ''])).get(first?.fingerprint ?? '')).toMatchObject({ id: first?.id, summary: '2 records, seen by an early run', impactUsd: 2 });
    await ingest('gateway', [litellmSpendLog(at('10:50'))]);
    expect(hoursOf(await runCycle(d, growing, new Date(at('11:15')), { recheck: false }))).toEqual([[at('11:00:00.000'), 'schedule', 0]]);
    expect((await storedAlerts(d.store, [first?.fingerprint ?? ''])).get(first?.fingerprint ?? '')).toMatchObject({ summary: '3 records, seen by a regular run', impactUsd: 3 });
  });

  it('looks at the window still settling and the one holding now, also before a first regular run', async () => {
    const d = await deps();
    await ingest('gateway', [litellmSpendLog(at('09:50')), litellmSpendLog(at('10:01')), litellmSpendLog(at('08:30'))]);
    // No watermark yet (a detector's first tick, or a catch-up still to come): the open windows, not the 08:30 hour.
    expect(outcomes(await runEarly(d, gatewayVolumeEarly, new Date(at('10:05'))))).toEqual([[at('10:00:00.000'), 'early', 1], [at('11:00:00.000'), 'early', 1]]);
    // The scheduler's `since` bounds them the way a watermark does: nothing at or before it.
    expect(outcomes(await runEarly({ ...d, initialWatermark: Date.parse(at('10:00')) }, gatewayVolumeEarly, new Date(at('10:05'))))).toEqual([[at('11:00:00.000'), 'early', 0]]);
    // After a watermark of 08:00 the 08:30 hour is in a window the regular run has not judged: looked at too.
    await writeWatermark(d.store, gatewayVolumeEarly.id, Date.parse(at('08:00')), new Date(at('08:10')));
    await ingest('gateway', [litellmSpendLog(at('10:02'))]);
    expect(outcomes(await runEarly(d, gatewayVolumeEarly, new Date(at('10:05'))))).toEqual([[at('09:00:00.000'), 'early', 1], [at('10:00:00.000'), 'early', 0], [at('11:00:00.000'), 'early', 0]]);
  });

  it('looks at a window an export delivered late as it lands, and at the open ones only when nothing else landed', async () => {
    const d = await deps();
    await writeWatermark(d.store, gatewayVolumeEarly.id, Date.parse(at('07:00')), new Date(at('07:10')));
    await ingest('gateway', [litellmSpendLog(at('10:01'))]);
    const first = await earlyLook(d, gatewayVolumeEarly, new Date(at('10:05')));
    expect(first.windows.map((w) => w.to.toISOString())).toEqual([at('10:00:00.000'), at('11:00:00.000')]);
    // The 08:00-09:00 report arrives now, after the window closed and before the regular run (waiting for its source) judged it.
    await ingest('gateway', [litellmSpendLog(at('08:40'), { team_id: 'team-web', metadata: { user_api_key_team_id: 'team-web' } })]);
    const late = await earlyLook(d, gatewayVolumeEarly, new Date(at('10:06')), { landedSince: first.landedUntil });
    expect(late.landedUntil).toBeGreaterThan(first.landedUntil);
    const found = await runEarly(d, gatewayVolumeEarly, new Date(at('10:06')), late);
    expect(outcomes(found)).toEqual([[at('09:00:00.000'), 'early', 1], [at('10:00:00.000'), 'early', 0], [at('11:00:00.000'), 'early', 1]]);
    expect(found[0]?.newAlerts[0]?.entity).toBe('team:team-web');
    // Nothing stored since: the open windows alone, and the same mark (the scheduler skips the pass).
    const quiet = await earlyLook(d, gatewayVolumeEarly, new Date(at('10:07')), { landedSince: late.landedUntil });
    expect(quiet.windows.map((w) => w.to.toISOString())).toEqual([at('10:00:00.000'), at('11:00:00.000')]);
    expect(quiet.landedUntil).toBe(late.landedUntil);
    expect(await readWatermark(d.store, gatewayVolumeEarly.id)).toBe(Date.parse(at('07:00')));
  });

  it('looks where the sources named in earlyOn stored rows, and only there', async () => {
    // Billed keys the gateway did not log in the hour: found from billing, checked against the gateway.
    const billedOnly = defineDetector({
      ...common,
      id: 'billing.test-early-on',
      schedule: { every: '1h', lookback: '1h', settle: '10m', recheck: '24h' },
      early: true,
      earlyOn: ['billing'],
      query: sql`SELECT api_key_id AS team, toStartOfHour(min(event_time)) AS hour, count() AS n FROM provider_usage
                 WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
                   AND api_key_id NOT IN (SELECT api_key_id FROM gateway_requests WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)})
                 GROUP BY api_key_id`,
      alert: alertPerHour,
    });
    const d = await deps();
    await writeWatermark(d.store, billedOnly.id, Date.parse(at('07:00')), new Date(at('07:10')));
    await ingest('gateway', [litellmSpendLog(at('08:40'))]);
    const gatewayOnly = await earlyLook(d, billedOnly, new Date(at('10:05')), { openAt: Date.parse(at('10:05')) });
    expect(gatewayOnly.windows.map((w) => w.to.toISOString())).toEqual([at('10:00:00.000'), at('11:00:00.000')]);
    expect(gatewayOnly.landedUntil).toBe(0);
    await ingest('billing', [anthropicUsagePage(at('08:00'), [{ api_key_id: 'apikey_01LateBucket0000000000' }])]);
    const billed = await earlyLook(d, billedOnly, new Date(at('10:06')), { openAt: Date.parse(at('10:06')) });
    expect(billed.windows.map((w) => w.to.toISOString())).toEqual([at('09:00:00.000'), at('10:00:00.000'), at('11:00:00.000')]);
    expect(outcomes(await runEarly(d, billedOnly, new Date(at('10:06')), billed))).toEqual([[at('09:00:00.000'), 'early', 1], [at('10:00:00.000'), 'early', 0], [at('11:00:00.000'), 'early', 0]]);
  });

  it('looks at the windows holding the newest data when the data runs behind the wall clock', async () => {
    const d = await deps();
    // A backlog (or a replay of the past) has reached 03:20 at 10:05: its open windows are 02:00-03:00 and 03:00-04:00.
    await ingest('gateway', [litellmSpendLog(at('02:40')), litellmSpendLog(at('03:10')), litellmSpendLog(at('03:20'))]);
    expect(outcomes(await runEarly(d, gatewayVolumeEarly, new Date(at('10:05'))))).toEqual([[at('03:00:00.000'), 'early', 1], [at('04:00:00.000'), 'early', 1]]);
    // A regular run already past them: the backlog's windows are the recheck's, not an early look's.
    await writeWatermark(d.store, gatewayVolumeEarly.id, Date.parse(at('09:00')), new Date(at('09:10')));
    expect(outcomes(await runEarly(d, gatewayVolumeEarly, new Date(at('10:05'))))).toEqual([]);
    // A mark ahead of the wall clock (a skewed sender) is not followed: the windows open at 10:05.
    await ingest('gateway', [litellmSpendLog(at('13:30'))]);
    expect(outcomes(await runEarly(d, gatewayVolumeEarly, new Date(at('10:05'))))).toEqual([[at('10:00:00.000'), 'early', 0], [at('11:00:00.000'), 'early', 0]]);
  });
});
