import { writeFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import type { Config } from '../../config/schema.ts';
import type { AnyDetector } from '../../detect/define-detector.ts';
import { detectOnce } from '../../detect/once.ts';
import { kafkaSecurity } from '../../infra/kafka-security.ts';
import { alertSightings, scorecard, type Scorecard } from '../../simulate/scorecard.ts';
import { startSimulator, type Simulator } from '../../simulate/live.ts';
import type { SimulateOptions } from '../../simulate/options.ts';
import type { Store } from '../../store/store.ts';
import { selectRows } from '../../store/select-rows.ts';
import type { Logger } from '../../telemetry/logger.ts';

/**
 * `driftwatch run --simulate` (what `npm start` runs): the traffic simulator produces to the
 * broker the service consumes, a status line shows the whole job every few seconds, and at the
 * end a final detection sweep over the simulated span is scored against what was planted.
 *
 * Why a final sweep: the simulator compresses hours into seconds, while the scheduler waits for
 * each window to settle and for billing to report (minutes to hours of real time). The alerts
 * the scheduler raised while the demo ran keep their first_seen; the sweep only adds what the
 * schedule had not reached yet, and time to detect is measured from each incident's production.
 */

export interface SimulationRun {
  /** Stops producing, waits for ingest to store what was produced, sweeps, scores. */
  finish(): Promise<Scorecard>;
  failed: Promise<Error>;
}

export interface SimulationInputs {
  config: Config;
  store: Store;
  log: Logger;
  detectors: readonly AnyDetector[];
  policyVersion: string;
  consoleUrl: string;
  options: SimulateOptions & { scorecard?: string };
}

const STATUS_EVERY_MS = 5_000;

async function storeCounts(store: Store): Promise<{ rows: number; rejects: number; alerts: Record<string, number> }> {
  const [row] = await selectRows<{ rows: number; rejects: number; alerts: Record<string, number> }>(
    store,
    `SELECT
              (SELECT count() FROM gateway_requests) + (SELECT count() FROM provider_usage)
                + (SELECT count() FROM idp_events) + (SELECT count() FROM agent_events) + (SELECT count() FROM provider_keys) AS rows,
              (SELECT count() FROM ingest_rejects) AS rejects,
              (SELECT CAST(sumMap(map(detector, toUInt64(1))) AS Map(String, UInt64)) FROM alerts FINAL) AS alerts`,
  );
  return row ?? { rows: 0, rejects: 0, alerts: {} };
}

/** Waits until the stored row count holds still for two reads: ingest has caught up. */
async function untilIngestSettles(store: Store, log: Logger, maxMs = 60_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = -1;
  let steady = 0;
  while (Date.now() < deadline && steady < 2) {
    await new Promise((r) => setTimeout(r, 2_000));
    const { rows } = await storeCounts(store);
    steady = rows === last ? steady + 1 : 0;
    last = rows;
  }
  log.info({ rows: last }, 'Ingest caught up with the simulator');
}

export async function startSimulationRun(inputs: SimulationInputs): Promise<SimulationRun> {
  const { config, store, log, options } = inputs;
  const kafka = new Kafka({ clientId: 'driftwatch-simulator', brokers: config.kafka.brokers, ...kafkaSecurity(config.kafka), logLevel: logLevel.WARN });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const startedAt = Date.now();
  const sim: Simulator = startSimulator({
    producer, topics: config.kafka.topics, rate: options.rate, speedup: options.speedup, teams: options.teams, seed: options.seed,
    incidentsPerHour: options.incidentsPerHour, log, ...(options.duration ? { expectedDurationMs: options.duration } : {}),
  });
  const status = setInterval(() => {
    void storeCounts(store).then((c) => {
      const s = sim.stats();
      const produced = Object.values(s.produced).reduce((a, b) => a + b, 0);
      log.info({ simulatedTime: s.simulatedTime, eventsIn: produced, rowsStored: c.rows, rejects: c.rejects, planted: s.incidents,
        alertsByDetector: c.alerts, console: inputs.consoleUrl }, 'Status');
    }).catch((err: unknown) => log.warn({ err: String(err) }, 'Status line skipped'));
  }, STATUS_EVERY_MS);

  return {
    failed: sim.failed,
    finish: async () => {
      clearInterval(status);
      await sim.stop();
      await producer.disconnect();
      await untilIngestSettles(store, log);
      const truth = sim.truth();
      const times = truth.map((t) => Date.parse(t.plantedAt));
      if (times.length > 0) {
        // The whole simulated span, a day either side: billing incidents are judged per day.
        const from = new Date(Math.floor(Math.min(...times) / 86_400_000) * 86_400_000 - 86_400_000);
        const to = new Date(Math.min(Date.now(), Math.ceil(Math.max(...times) / 86_400_000) * 86_400_000 + 86_400_000));
        log.info({ from, to }, 'Final detection sweep over the simulated span');
        await detectOnce(store, inputs.detectors, { from, to }, { now: new Date(), policyVersion: inputs.policyVersion, log, lanes: config.service.detectLanes });
      }
      const card = scorecard(truth, (await alertSightings(store)).filter((a) => Date.parse(a.firstSeen) >= startedAt - 60_000));
      process.stdout.write(`${JSON.stringify(card, null, 2)}\n`);
      if (options.scorecard) {
        writeFileSync(options.scorecard, `${JSON.stringify(card, null, 2)}\n`);
        log.info({ file: options.scorecard }, 'Scorecard written');
      }
      return card;
    },
  };
}
