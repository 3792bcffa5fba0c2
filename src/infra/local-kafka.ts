import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../errors.ts';
import type { Logger } from '../telemetry/logger.ts';

/**
 * A single-node Apache Kafka broker in KRaft mode, started from Apache Kafka's jars on Maven
 * Central with the machine's Java. For tests and `--local` runs where neither KAFKA_BROKERS nor a
 * Docker engine is available.
 *
 * The version is DRIFTWATCH_KAFKA_VERSION, default a current 4.x: kafkajs 2.2.4 works against
 * 4.x brokers (topic creation, idempotent produce, consumer groups with eachBatch, manual commits,
 * pause/resume; the integration tests run against it), although the docs long said KIP-896 ruled
 * it out.
 * 3.9.x stays selectable and CI runs the integration tests against both. 4.x needs Java 17+.
 */
export const DEFAULT_KAFKA_VERSION = '4.4.0';
const POM = fileURLToPath(new URL('../../infra/local-kafka/pom.xml', import.meta.url));

export function kafkaVersion(env: NodeJS.ProcessEnv = process.env): string {
  const v = env['DRIFTWATCH_KAFKA_VERSION'] || DEFAULT_KAFKA_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(v)) throw new AppError('KAFKA_LAUNCH_FAILED', `DRIFTWATCH_KAFKA_VERSION must be a version like 4.4.0 (got "${v}")`);
  return v;
}

/** 4.x logs through log4j2; 3.x through reload4j (log4j 1 API). */
function usesLog4j2(version: string): boolean {
  return Number(version.split('.')[0]) >= 4;
}

export function kafkaCacheDir(version = kafkaVersion()): string {
  const base = process.env['DRIFTWATCH_CACHE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'driftwatch');
  return join(base, `kafka-${version}`);
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Resolves the broker's jars once into the cache (mvn dependency:copy-dependencies). */
export function ensureKafkaJars(log?: Logger, version = kafkaVersion()): string {
  const libs = join(kafkaCacheDir(version), 'libs');
  if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith('kafka_2.13-'))) return libs;
  if (!which('java') || !which('mvn')) {
    throw new AppError('KAFKA_LAUNCH_FAILED',
      'No Kafka broker: set KAFKA_BROKERS, start a Docker engine, or install Java 17+ and Maven (apt-get install openjdk-17-jre-headless maven) so the local broker can run');
  }
  log?.info({ libs, version }, 'Fetching Apache Kafka jars from Maven Central (once)');
  mkdirSync(libs, { recursive: true });
  const profile = usesLog4j2(version) ? 'log4j2' : 'reload4j';
  const res = spawnSync('mvn', ['-q', '-B', '-f', POM, `-Dkafka.version=${version}`, `-P${profile}`, 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`], { encoding: 'utf8' });
  if (res.status !== 0) {
    rmSync(libs, { recursive: true, force: true });
    throw new AppError('KAFKA_LAUNCH_FAILED', `mvn could not resolve Kafka ${version}: ${res.stdout}${res.stderr}`.slice(0, 2000));
  }
  return libs;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * "Kafka Server started" comes before the group coordinator has loaded the offsets topic: on 4.x
 * the first group requests then fail with COORDINATOR_LOAD_IN_PROGRESS (kafkajs's admin does not
 * retry fetchOffsets on it). Ready means a group's offsets can be read.
 */
async function groupCoordinatorReady(brokers: string[], output: string): Promise<void> {
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ clientId: 'driftwatch-local-kafka', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await admin.fetchOffsets({ groupId: 'driftwatch-readiness', topics: [] });
        return;
      } catch (err) {
        if (attempt >= 300) throw new AppError('KAFKA_LAUNCH_FAILED', `Kafka group coordinator not ready after 60 s: ${String(err)}\n${output.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

export interface LocalKafka {
  brokers: string[];
  /** The SASL_PLAINTEXT (SCRAM-SHA-256) listener, when asked for. */
  scramBrokers?: string[];
  /** The SSL listener, when asked for. */
  sslBrokers?: string[];
  /** The JVM's process id: its CPU is part of the machine's budget in bench:ingest. */
  pid: number;
  stop(): Promise<void>;
  /**
   * Stops the broker (SIGTERM, as an operator's restart does) and starts it again on the same
   * ports and storage: the fault matrix's broker-restart case.
   */
  restart(): Promise<void>;
}

export interface LocalKafkaOptions {
  log?: Logger;
  /** Partitions for auto-created topics. */
  defaultPartitions?: number;
  heapMb?: number;
  /** Default: DRIFTWATCH_KAFKA_VERSION, else DEFAULT_KAFKA_VERSION. */
  version?: string;
  /** A SASL_PLAINTEXT listener with SCRAM-SHA-256; the user is created when storage is formatted. */
  scram?: { username: string; password: string };
  /** An SSL listener whose certificate chain and key (PEM, key unencrypted PKCS#8) are given here. */
  ssl?: { certificateChainPem: string; keyPem: string };
}

/** Extra listeners of a local broker, beside PLAINTEXT (tests of TLS and SASL). */
interface SecureListeners {
  scramPort?: number;
  sslPort?: number;
  ssl?: LocalKafkaOptions['ssl'];
}

/** A PEM block as one properties value: newlines escaped (`\n` is a newline in a .properties value). */
function propertyValue(pem: string): string {
  return pem.trim().replace(/\r?\n/g, '\\n');
}

function serverProperties(port: number, controllerPort: number, logDir: string, partitions: number, secure: SecureListeners = {}): string {
  const listeners = [`PLAINTEXT://127.0.0.1:${port}`];
  const protocols = ['CONTROLLER:PLAINTEXT', 'PLAINTEXT:PLAINTEXT'];
  const extra: string[] = [];
  if (secure.scramPort !== undefined) {
    listeners.push(`SASL_PLAINTEXT://127.0.0.1:${secure.scramPort}`);
    protocols.push('SASL_PLAINTEXT:SASL_PLAINTEXT');
    extra.push(
      'sasl.enabled.mechanisms=SCRAM-SHA-256',
      'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    );
  }
  if (secure.sslPort !== undefined && secure.ssl) {
    listeners.push(`SSL://127.0.0.1:${secure.sslPort}`);
    protocols.push('SSL:SSL');
    extra.push(
      // PEM straight in the config (Kafka ≥ 2.7): no JKS keystore to build.
      'ssl.keystore.type=PEM',
      `ssl.keystore.certificate.chain=${propertyValue(secure.ssl.certificateChainPem)}`,
      `ssl.keystore.key=${propertyValue(secure.ssl.keyPem)}`,
      'ssl.client.auth=none',
    );
  }
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=${listeners.join(',')},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=${listeners.join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=${protocols.join(',')}`,
    ...extra,
    `log.dirs=${logDir}`,
    `num.partitions=${partitions}`,
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // 4.x: the share-group coordinator's internal topic would otherwise want 3 replicas.
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'auto.create.topics.enable=true',
    'message.max.bytes=8388608',
    'log.retention.hours=24',
    '',
  ].join('\n');
}

function log4j2Properties(): string {
  return [
    'status = warn',
    'appender.stdout.type = Console',
    'appender.stdout.name = STDOUT',
    'appender.stdout.layout.type = PatternLayout',
    'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = warn',
    'rootLogger.appenderRef.stdout.ref = STDOUT',
    'logger.raft.name = kafka.server.KafkaRaftServer',
    'logger.raft.level = info',
    'logger.server.name = kafka.server.KafkaServer',
    'logger.server.level = info',
    'logger.broker.name = kafka.server.BrokerServer',
    'logger.broker.level = info',
    '',
  ].join('\n');
}

function log4jProperties(): string {
  return [
    'log4j.rootLogger=WARN, stdout',
    'log4j.logger.kafka.server.KafkaServer=INFO',
    'log4j.logger.kafka.server.KafkaRaftServer=INFO',
    'log4j.logger.kafka.Kafka=INFO',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    '',
  ].join('\n');
}

/** Formats storage, starts `kafka.Kafka` on free loopback ports and waits for "Kafka Server started". */
export async function startLocalKafka(options: LocalKafkaOptions = {}): Promise<LocalKafka> {
  const { log } = options;
  const version = options.version ?? kafkaVersion();
  const libs = ensureKafkaJars(log, version);
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const secure: SecureListeners = {
    ...(options.scram ? { scramPort: await freePort() } : {}),
    ...(options.ssl ? { sslPort: await freePort(), ssl: options.ssl } : {}),
  };
  const props = join(dir, 'server.properties');
  writeFileSync(props, serverProperties(port, controllerPort, join(dir, 'logs'), options.defaultPartitions ?? 3, secure));
  const logging = usesLog4j2(version)
    ? (writeFileSync(join(dir, 'log4j2.properties'), log4j2Properties()), `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`)
    : (writeFileSync(join(dir, 'log4j.properties'), log4jProperties()), `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`);
  const cp = `${libs}/*`;
  const clusterId = spawnSync('java', ['-cp', cp, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' }).stdout.trim();
  const format = spawnSync('java', ['-cp', cp, logging, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, '--ignore-formatted',
    // SCRAM users live in the cluster metadata; in KRaft they are written when storage is formatted.
    ...(options.scram ? ['--add-scram', `SCRAM-SHA-256=[name=${options.scram.username},password=${options.scram.password}]`] : [])], { encoding: 'utf8' });
  if (format.status !== 0) throw new AppError('KAFKA_LAUNCH_FAILED', `kafka storage format failed: ${format.stderr}`);
  const heap = `${options.heapMb ?? 512}m`;
  /** Starts the JVM on the formatted storage and waits until it serves groups. */
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const proc: ChildProcess = spawn('java', [
      `-Xms${heap}`, `-Xmx${heap}`, '-XX:+UseG1GC', '-Djava.awt.headless=true',
      logging,
      '-cp', cp, 'kafka.Kafka', props,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new AppError('KAFKA_LAUNCH_FAILED', `Kafka did not start within 90 s:\n${output.slice(-3000)}`)), 90_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.length > 100_000) output = output.slice(-50_000);
        if (/Kafka ?Server started|KafkaRaftServer.*started/i.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new AppError('KAFKA_LAUNCH_FAILED', `Kafka exited with code ${code}:\n${output.slice(-3000)}`));
      });
    });
    await ready;
    await groupCoordinatorReady([`127.0.0.1:${port}`], output);
  };
  // Never leave a JVM behind when the parent goes away.
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);
  const halt = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const running = child;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  log?.info({ port, version }, 'Local Kafka broker started');
  return {
    brokers: [`127.0.0.1:${port}`],
    ...(secure.scramPort !== undefined ? { scramBrokers: [`127.0.0.1:${secure.scramPort}`] } : {}),
    ...(secure.sslPort !== undefined ? { sslBrokers: [`127.0.0.1:${secure.sslPort}`] } : {}),
    get pid() {
      return child?.pid as number;
    },
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await halt();
      await launch();
      log?.info({ port, version }, 'Local Kafka broker restarted');
    },
  };
}
