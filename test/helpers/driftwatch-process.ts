import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config/schema.ts';

/**
 * driftwatch as a real child process (so a test can SIGKILL it), configured by a file only: the
 * config object is written to a file and the variables that would override it are emptied, so
 * nothing from the test's own environment leaks in but `env`. stderr's JSON log lines are kept.
 */
const BIN = fileURLToPath(new URL('../../bin/driftwatch.js', import.meta.url));

export interface Child {
  process: ChildProcess;
  /** The child's JSON log lines so far. */
  logs(): Record<string, unknown>[];
  /** Its raw stderr so far (the last few MB on long runs): for failure messages. */
  text(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Running or how it exited, and its last log lines: for a failure message. */
  status(): string;
  /** What it wrote to stdout (kept only when started with `stdout: true`). */
  stdout(): string;
}

/** The broker, group and topics of a test config, as a child's config file states them. */
export function kafkaSection(config: Config) {
  return { brokers: config.kafka.brokers, groupId: config.kafka.groupId, topics: config.kafka.topics, sessionTimeoutMs: 6_000 };
}

/** The store of a test config (its data directory or server, and database), as a child's config file states it. */
export function clickhouseSection(config: Config) {
  return { dataDir: config.clickhouse.dataDir, database: config.clickhouse.database, ...(config.clickhouse.url ? { url: config.clickhouse.url } : {}) };
}

/** Runs `driftwatch --config FILE <args>` with `fileConfig` as FILE. */
export function spawnDriftwatch(fileConfig: Record<string, unknown>, args: readonly string[], opts: { env?: Record<string, string>; stdout?: boolean } = {}): Child {
  const file = join(mkdtempSync(join(tmpdir(), 'driftwatch-child-')), 'config.yaml');
  writeFileSync(file, JSON.stringify(fileConfig));
  const child = spawn(process.execPath, [BIN, '--config', file, ...args], {
    env: { ...process.env, KAFKA_BROKERS: '', DRIFTWATCH_DATA_DIR: '', CLICKHOUSE_DATABASE: '', DRIFTWATCH_POLICY: '', LOG_LEVEL: '', LOG_FORMAT: 'json', ...opts.env },
    stdio: ['ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  let text = '';
  // FAULTS_LOG_DIR keeps every child's log for a post-mortem (the temp root is removed at the end).
  const keep = process.env['FAULTS_LOG_DIR'] ? join(process.env['FAULTS_LOG_DIR'], `${args[0]}-${Date.now()}.log`) : undefined;
  child.stderr?.on('data', (d: Buffer) => {
    if (keep) appendFileSync(keep, d);
    text += d.toString();
    // Keep memory bounded on long runs: the tests read recent lines and lease/alert events.
    if (text.length > 4_000_000) text = text.slice(-2_000_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const logs = () => text.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  const status = () => `${args.join(' ')}: ${child.exitCode === null && child.signalCode === null ? 'running' : `exited ${child.exitCode ?? child.signalCode}`}; last log lines:\n${text.split('\n').slice(-6).join('\n').slice(-3000)}`;
  return { process: child, logs, text: () => text, exited, status, stdout: () => out };
}

/**
 * How the child exits, waited for at most `timeoutMs`: a child that never exits fails the test
 * with its own last log lines instead of running into the test's timeout without a word.
 */
export async function exitOf(child: Child, timeoutMs: number, why: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for the child to exit (${why}); ${child.status()}`)), timeoutMs);
  });
  try {
    return await Promise.race([child.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The log lines with this message. */
export const logged = (child: Child, msg: string) => child.logs().filter((l) => l['msg'] === msg);
