import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { cliContext, untilSignal } from '../context.ts';
import { resolveBroker } from '../../infra/kafka-broker.ts';
import { ensureTopics } from '../../infra/topics.ts';
import { withProducer } from '../../ingest/produce.ts';
import { COVERED_DETECTORS } from '../../simulate/incidents.ts';
import { startSimulator } from '../../simulate/live.ts';
import { parseSimulateOptions } from '../../simulate/options.ts';
import { AppError } from '../../errors.ts';

export function simulateCommand(): Command {
  return new Command('simulate')
    .description(
      'Produce simulated traffic of several teams to the four topics, in the real formats, with planted incidents of every ' +
      'detector; --truth writes what was planted (the ground truth a scorecard is computed from).',
    )
    .option('--rate <n>', 'Kafka messages per second, over the four topics', '200')
    .option('--speedup <n>', 'simulated seconds per real second', '60')
    .option('--duration <d>', 'stop after this long, e.g. 90s, 15m (default: until SIGTERM/Ctrl-C)')
    .option('--seed <n>', 'seed of the traffic and the incidents', '1')
    .option('--teams <n>', 'how many of the example policy\'s teams work (1-4)', '4')
    .option('--incidents-per-hour <n>', 'expected planted incidents per simulated hour', '1')
    .option('--truth <file>', 'write the ground truth (planted incidents) as JSON here when stopping')
    .option('--local', 'without KAFKA_BROKERS: start a local single-node Kafka and create the topics')
    .option('--partitions <n>', 'partitions per topic when creating them', '3')
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseSimulateOptions(raw);
      const { config, log } = cliContext(cmd);
      let stopBroker = async () => {};
      if (opts.local) {
        const broker = await resolveBroker(log);
        stopBroker = broker.stop;
        config.kafka.brokers = broker.brokers;
        log.info({ brokers: broker.brokers, origin: broker.origin }, 'Local broker ready');
      }
      try {
        await ensureTopics(config.kafka.brokers, Object.values(config.kafka.topics), opts.partitions, log);
        await withProducer(config.kafka.brokers, async (producer) => {
          const sim = startSimulator({
            producer, topics: config.kafka.topics, rate: opts.rate, speedup: opts.speedup, teams: opts.teams, seed: opts.seed,
            incidentsPerHour: opts.incidentsPerHour, log, ...(opts.duration ? { expectedDurationMs: opts.duration } : {}),
          });
          log.info({ brokers: config.kafka.brokers, topics: config.kafka.topics, rate: opts.rate, speedup: opts.speedup, covered: COVERED_DETECTORS }, 'Simulator started');
          const stopped = new Promise<void>((resolve) => {
            const timer = opts.duration ? setTimeout(resolve, opts.duration) : undefined;
            void untilSignal(async () => clearTimeout(timer), log).then(resolve);
          });
          const outcome = await Promise.race([stopped.then(() => undefined), sim.failed]);
          await sim.stop();
          if (opts.truth) {
            writeFileSync(opts.truth, `${JSON.stringify(sim.truth(), null, 2)}\n`);
            log.info({ file: opts.truth, expectedAlerts: sim.truth().length }, 'Ground truth written');
          }
          process.stdout.write(`${JSON.stringify(sim.stats())}\n`);
          if (outcome instanceof Error) throw new AppError('SIMULATOR_FAILED', `simulator stopped: ${outcome.message}`, {}, true, { cause: outcome });
        }, log);
      } finally {
        await stopBroker();
      }
    });
}
