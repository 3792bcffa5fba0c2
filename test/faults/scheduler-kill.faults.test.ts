import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config/schema.ts';
import { loadDetectors } from '../../src/detect/registry.ts';
import { testConfig, waitFor } from '../helpers/env.ts';
import { createTopics } from '../helpers/kafka.ts';
import { startReceiver, type Receiver } from '../helpers/http-receiver.ts';
import { exitOf, produceTraffic, reportCase, sleep, startDetectDeliver, startDriftwatch, waitForProgress, type Child } from './harness.ts';
import { simulatedRecords } from '../../src/simulate/planner.ts';
import { SOURCE_KINDS, type SourceKind } from '../../src/decode/types.ts';

/**
 * Fault: the scheduler and the dispatcher (`run --role detect --role deliver`) SIGKILLed in the
 * middle of catching up over hours of simulated traffic with planted incidents. A second replica
 * takes both leases over (epoch 2), carries on from the watermarks and completes every window.
 * The alerts are compared with a reference: the same store, copied before detection, caught up by
 * one uninterrupted replica. Same fingerprints, none raised twice across the two tenures, and each
 * accepted by the webhook; a request in flight at the SIGKILL may be sent once more (at least once,
 * same idempotency-key), nothing else twice.
 *
 * The traffic is placed relative to the real clock (the scheduler is a child process and runs on
 * it): the outcome is compared with a reference run of the same moment, so it holds on any day.
 * It always spans a UTC midnight that every daily detector's window has settled past, whatever
 * the hour the case runs at: placed in the last few hours before now, traffic after 06:00 UTC
 * gave the daily detectors no due window, they never ran, and the case waited for them until it
 * timed out (CI, 2026-12-06 07:23 UTC).
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HOURS = 5;
const POLICY = fileURLToPath(new URL('../../policy.example.yaml', import.meta.url));
/** The newest midnight at least 3 h ago: past the daily detectors' settle (at most 2 h). */
const midnight = Math.floor((Date.now() - 3 * HOUR) / DAY) * DAY;
const start = midnight - 3 * HOUR;
const records = simulatedRecords({ start, end: start + HOURS * HOUR, messagesPerHour: 800, seed: 71, incidentsPerHour: 3 });
const messages = Object.fromEntries(SOURCE_KINDS.map((s) => [s, records.filter((r) => r.source === s).map((r) => Buffer.from(JSON.stringify(r.doc)))])) as Record<SourceKind, Buffer[]>;
/** Alerts of windows ending at or before this are compared: both runs have evaluated them (or wait at the same place). */
const cut = start + HOURS * HOUR;
const config = testConfig('fault-sched');
let reference: Config;
let hook: Receiver;
let detectorIds: string[] = [];

const startScheduler = (cfg: Config): Child => startDetectDeliver(cfg, start, hook.url, POLICY);

const lines = (c: Child, msg: string) => c.logs().filter((l) => l['msg'] === msg);

/**
 * Caught up: every detector has run or said it waits for a source (in `current` or in an earlier
 * tenure: a detector whose windows the killed replica finished has nothing due), and `current`
 * has evaluated no window for QUIET_MS. A cycle takes up to 500 due windows at once, so catch-up
 * is the first burst of runs after start; the next come on each detector's cron schedule.
 */
const QUIET_MS = 15_000;
function caughtUp(current: Child, earlier: Child[] = []): boolean {
  const runs = lines(current, 'Detector run finished');
  const seen = new Set([current, ...earlier].flatMap((c) => [...lines(c, 'Detector run finished'), ...lines(c, 'Detector waiting for source data')]).map((l) => String(l['detector'])));
  const last = Math.max(0, ...runs.map((l) => Number(l['time'])));
  return detectorIds.every((id) => seen.has(id)) && Date.now() - last > QUIET_MS;
}

/**
 * Fingerprints of the stored alerts whose window ends by `cut`, read by `driftwatch alerts list`
 * in a child: a process opens one embedded data directory in its life, and there are two here.
 */
async function alertsOf(cfg: Config): Promise<string[]> {
  const child = startDriftwatch(cfg, ['alerts', 'list', '--json', '--limit', '1000'], { stdout: true });
  expect((await exitOf(child, 120_000, 'child stopping')).code, child.status()).toBe(0);
  const page = JSON.parse(child.stdout()) as { items: { fingerprint: string; windowEnd: string }[]; total: number };
  expect(page.total).toBe(page.items.length);
  return page.items.filter((a) => Date.parse(a.windowEnd) <= cut).map((a) => a.fingerprint).sort();
}

beforeAll(async () => {
  detectorIds = (await loadDetectors()).map((d) => d.id);
  hook = await startReceiver();
  await createTopics(config, 3);
  await produceTraffic(config, messages, { partitions: 3 });
  const ingest = startDriftwatch(config, ['ingest']);
  await waitForProgress(config, (p) => p.committed === records.length, 240_000, 'traffic ingested', ingest);
  ingest.process.kill('SIGTERM');
  expect((await exitOf(ingest, 120_000, 'ingest stopping')).code).toBe(0);
  // The reference: the same ingested store, detected without a fault.
  const refDir = `${config.clickhouse.dataDir}-reference`;
  cpSync(config.clickhouse.dataDir, refDir, { recursive: true });
  reference = { ...config, clickhouse: { ...config.clickhouse, dataDir: refDir } };
}, 400_000);
afterAll(async () => {
  await hook?.close();
});

describe('fault: scheduler and dispatcher SIGKILLed mid-run', () => {
  it('the next replica completes the windows; no alert twice, deliveries repeated only if in flight at the kill', async () => {
    const ref = startScheduler(reference);
    await waitFor(async () => caughtUp(ref), 400_000, () => `reference caught up; ${ref.status()}`);
    ref.process.kill('SIGTERM');
    expect((await exitOf(ref, 120_000, 'ref stopping')).code).toBe(0);
    const want = await alertsOf(reference);
    expect(want.length).toBeGreaterThan(0);
    // What the uninterrupted replica delivered (grouped and policy-suppressed alerts send nothing).
    const refKeys = new Set(hook.accepted.map((r) => String(r.headers['idempotency-key'])));
    expect(refKeys.size).toBeGreaterThan(0);
    hook.accepted.length = 0;
    hook.all.length = 0;

    const a = startScheduler(config);
    // Killed mid-catch-up: some windows evaluated and at least one alert raised, not all.
    await waitFor(async () => lines(a, 'Detector run finished').length >= 5 && lines(a, 'Alert raised').length >= 1, 300_000, () => `replica A evaluating and raising; ${a.status()}`);
    a.process.kill('SIGKILL');
    const sentByA = new Set(hook.accepted.map((r) => String(r.headers['idempotency-key'])));
    expect((await exitOf(a, 60_000, 'a SIGKILLed')).signal).toBe('SIGKILL');
    const b = startScheduler(config);
    await waitFor(async () => caughtUp(b, [a]), 400_000, () => `replica B caught up; ${b.status()}`);
    const missing = () => [...refKeys].filter((k) => !hook.accepted.some((r) => r.headers['idempotency-key'] === k)).length;
    await waitFor(async () => missing() === 0, 120_000, () => `the reference's deliveries (${missing()} of ${refKeys.size} missing); ${b.status()}`);
    // Long enough for several more dispatcher polls: a repeated send would show here.
    await sleep(3_000);
    b.process.kill('SIGTERM');
    expect((await exitOf(b, 120_000, 'b stopping')).code).toBe(0);

    const raised = [...lines(a, 'Alert raised'), ...lines(b, 'Alert raised')].map((l) => String(l['fingerprint']));
    const keys = hook.accepted.map((r) => String(r.headers['idempotency-key']));
    const got = await alertsOf(config);
    reportCase('scheduler and dispatcher SIGKILLed mid-run', {
      traffic: records.length, referenceAlerts: want.length, alerts: got.length, raisedByA: lines(a, 'Alert raised').length, raisedByB: lines(b, 'Alert raised').length,
      referenceDeliveries: refKeys.size, webhookAccepted: keys.length, distinctAccepted: new Set(keys).size, acceptedFromAbeforeKill: sentByA.size,
      leases: [...a.logs(), ...b.logs()].filter((l) => l['msg'] === 'Lease acquired; role active').map((l) => `${String(l['lease'])}:${String(l['epoch'])}`),
    });
    expect(got).toEqual(want);
    expect(new Set(raised).size).toBe(raised.length);
    // Everything the reference delivered reached the webhook. Delivery is at least once: a request the killed
    // replica had sent, but not yet recorded as delivered, is sent again by its successor with the
    // same idempotency-key (the receiver's way to drop it). Only such requests may repeat.
    expect([...refKeys].every((k) => keys.includes(k))).toBe(true);
    const repeated = [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))];
    expect(repeated.filter((k) => !sentByA.has(k))).toEqual([]);
    const epochs = (c: Child) => c.logs().filter((l) => l['msg'] === 'Lease acquired; role active').map((l) => `${String(l['lease'])}:${String(l['epoch'])}`).sort();
    expect(epochs(a)).toEqual(['dispatcher:1', 'scheduler:1']);
    expect(epochs(b)).toEqual(['dispatcher:2', 'scheduler:2']);
  });
});
