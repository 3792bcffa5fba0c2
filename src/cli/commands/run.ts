import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { cliContext, exitStoppedService, keepAliveUntil, openMigratedStore, untilSignal } from '../context.ts';
import { DETECTOR_OPTION_HELP, POLICY_OPTION_HELP, loadDetection } from './detector-setup.ts';
import { parseTimeOption } from '../../detect/plan.ts';
import { SOURCE_KINDS, type SourceKind } from '../../decode/types.ts';
import { AppError } from '../../errors.ts';
import { useLocalBroker } from '../../infra/local-broker.ts';
import { roleFactories, type RunInputs } from '../../service/role-factories.ts';
import { ROLE_NAMES, type Role, type RoleContext, type RoleName } from '../../service/role.ts';
import { Service } from '../../service/service.ts';
import { EXAMPLE_POLICY_FILE } from '../../policy/load.ts';
import { parseSimulateOptions } from '../../simulate/options.ts';
import { startSimulationRun, type SimulationRun } from './run-simulation.ts';

interface RunOptions {
  role?: RoleName[];
  port?: number;
  local?: boolean;
  source?: SourceKind[];
  partitions: number;
  policy?: string;
  detector?: string[];
  since?: string;
  simulate?: boolean;
  rate?: string;
  speedup?: string;
  duration?: string;
  seed?: string;
  teams?: string;
  incidentsPerHour?: string;
  scorecard?: string;
}

/**
 * `driftwatch run`: the service. The only place that wires the roles together: one config, one
 * store connection (the embedded engine allows one process per data directory, so on the embedded
 * default this is the only way to ingest and detect at once), one SIGTERM path.
 */
export function runCommand(): Command {
  return new Command('run')
    .description(
      'Run driftwatch as a service until SIGTERM/SIGINT: Kafka consumers (ingest), the detector scheduler (detect), the ' +
      'alert dispatcher (deliver) and the HTTP API (api) in one process on one store connection. --role splits them across ' +
      'processes for a ClickHouse server deployment: ingest scales out in one consumer group; detect and deliver run on ' +
      'any number of replicas but are active on one at a time (a lease in ClickHouse).',
    )
    .addOption(new Option('--role <role...>', 'roles to run (repeatable); default: all').choices([...ROLE_NAMES]))
    .option('--port <n>', 'HTTP port of the api role (default: service.port, 7070)', (v) => Number(v))
    .option('--local', 'without KAFKA_BROKERS: start a local single-node Kafka (Docker or Maven Central jars) and create the topics')
    .addOption(new Option('--source <source...>', 'ingest only these sources').choices([...SOURCE_KINDS]))
    .option('--partitions <n>', 'partitions per topic when --local creates them', (v) => Number(v), 3)
    .option('--policy <file>', POLICY_OPTION_HELP)
    .option('--detector <id...>', DETECTOR_OPTION_HELP)
    .option('--since <iso>', 'where detectors without a watermark start (default: their last complete window)')
    .option('--simulate', 'feed the service simulated traffic with planted incidents (the demo `npm start` runs); at the end print a scorecard')
    .option('--rate <n>', 'with --simulate: Kafka messages per second', '200')
    .option('--speedup <n>', 'with --simulate: simulated seconds per real second', '120')
    .option('--seed <n>', 'with --simulate: seed of the traffic and the incidents', '1')
    .option('--teams <n>', 'with --simulate: how many of the example policy\'s teams work (1-4)', '4')
    .option('--incidents-per-hour <n>', 'with --simulate: planted incidents per simulated hour', '6')
    .option('--duration <d>', 'stop by itself after this long, e.g. 90s, 15m (default: until SIGTERM/Ctrl-C)')
    .option('--scorecard <file>', 'with --simulate: also write the scorecard (planted vs detected) as JSON here')
    .action(async (opts: RunOptions, cmd: Command) => {
      const ctx = cliContext(cmd);
      const { config, log } = ctx;
      const since = parseTimeOption('since', opts.since);
      const simulation = opts.simulate
        ? { ...parseSimulateOptions({ rate: opts.rate, speedup: opts.speedup, seed: opts.seed, teams: opts.teams, incidentsPerHour: opts.incidentsPerHour, duration: opts.duration }), ...(opts.scorecard ? { scorecard: opts.scorecard } : {}) }
        : undefined;
      const durationMs = opts.duration ? parseSimulateOptions({ duration: opts.duration }).duration : undefined;
      // The simulator's teams are the example policy's: judge them against it unless told otherwise.
      if (simulation && !opts.policy && !config.policyFile) opts.policy = EXAMPLE_POLICY_FILE;
      const named = opts.role !== undefined;
      let wanted = [...new Set(opts.role ?? ROLE_NAMES)];
      const inputs: RunInputs = opts.source ? { sources: opts.source } : {};
      const factories = roleFactories(inputs);
      const missing = wanted.filter((r) => factories[r] === undefined);
      if (named && missing.length > 0) {
        throw new AppError('CONFIG_INVALID', `role ${missing.join(', ')} is not available in this build`, { roles: missing });
      }
      if (missing.length > 0) log.warn({ roles: missing }, 'Roles not available in this build; running the others');
      if (!named && wanted.includes('detect') && !opts.policy && !config.policyFile) {
        // `npm start` on a fresh checkout: ingest anyway; detectors need a policy to judge against.
        log.warn('No policy file (--policy, DRIFTWATCH_POLICY or policyFile): not running the detectors');
        wanted = wanted.filter((r) => r !== 'detect');
      }
      const roles = wanted.filter((r) => factories[r] !== undefined);
      // `npm start` on a fresh checkout has no token, so nobody could sign in to the console. A token
      // made for this run only (never stored, gone when the process ends) lets the demo be looked at.
      const demoToken = simulation && opts.local && roles.includes('api') && !config.api.writeToken ? randomBytes(18).toString('base64url') : undefined;
      if (demoToken) config.api.writeToken = demoToken;
      const detection = roles.includes('detect') ? await loadDetection(ctx, opts) : undefined;

      const stopBroker = opts.local && roles.includes('ingest') ? await useLocalBroker(config, opts.partitions, log) : async () => {};
      const store = await openMigratedStore(ctx);
      let service: Service | undefined;
      try {
        if (detection) {
          inputs.detection = { detectors: detection.detectors, policyFile: detection.policyFile, policyVersion: await detection.sync(store), ...(since ? { since } : {}) };
        }
        const built: Role[] = [];
        const roleCtx: RoleContext = { config, store, log, port: opts.port ?? config.service.port, readiness: () => service?.ready() ?? {} };
        for (const name of roles) built.push(await (factories[name] as NonNullable<(typeof factories)[RoleName]>)(roleCtx));
        service = new Service(built, store, log);
        await service.start();
      } catch (err) {
        if (service === undefined) await store.close().catch(() => undefined);
        await stopBroker().catch(() => undefined);
        throw err;
      }
      const port = opts.port ?? config.service.port;
      const consoleUrl = `http://localhost:${port}/`;
      log.info({ roles, store: store.location, ...(roles.includes('api') ? { api: consoleUrl } : {}) }, 'driftwatch running');
      // On the terminal only, not through the logger: log lines may be shipped and kept, this must not be.
      if (demoToken) process.stderr.write(`\nConsole: ${consoleUrl}  sign in with this run's demo token: ${demoToken}\n(set DRIFTWATCH_WRITE_TOKEN to choose your own)\n\n`);
      const running = service;
      let demo: SimulationRun | undefined;
      if (simulation && inputs.detection) {
        demo = await startSimulationRun({
          config, store, log, detectors: inputs.detection.detectors, policyVersion: inputs.detection.policyVersion, consoleUrl, options: simulation,
        });
      }
      let finishing: Promise<unknown> | undefined;
      const shutdown = async () => {
        finishing ??= demo?.finish();
        await finishing;
        await running.stop();
        await stopBroker();
      };
      const stopped = new Promise<void>((resolve) => {
        const timer = durationMs ? setTimeout(() => void shutdown().then(resolve), durationMs) : undefined;
        void untilSignal(async () => {
          clearTimeout(timer);
          await shutdown();
        }, log, 'stopping every role in order (ingest flushes and commits, detect finishes its cycle)').then(resolve);
      });
      const outcome = await keepAliveUntil(Promise.race([stopped.then(() => undefined), running.failed, ...(demo ? [demo.failed] : [])]));
      if (outcome instanceof Error) {
        // Nothing uncommitted is lost: what was not committed is consumed again on restart.
        await shutdown().catch(() => undefined);
        throw new AppError('SERVICE_FAILED', `driftwatch run stopped: ${outcome.message}`, {}, true, { cause: outcome });
      }
      exitStoppedService();
    });
}
