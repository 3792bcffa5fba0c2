import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `driftwatch run` as a real child process for service tests: the config object is written to a
 * file (nothing from the test's environment leaks in but `env`), stderr's JSON log lines are kept.
 */
const BIN = fileURLToPath(new URL('../../bin/driftwatch.js', import.meta.url));

export interface RunProcess {
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs(): Record<string, unknown>[];
  /** The raw stderr so far (for failure messages). */
  text(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startRun(config: Record<string, unknown>, args: readonly string[], env: Record<string, string> = {}): RunProcess {
  const file = join(mkdtempSync(join(tmpdir(), 'driftwatch-run-')), 'config.yaml');
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [BIN, '--config', file, 'run', ...args], {
    env: { ...process.env, KAFKA_BROKERS: '', DRIFTWATCH_DATA_DIR: '', CLICKHOUSE_DATABASE: '', DRIFTWATCH_POLICY: '', LOG_LEVEL: '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  child.stderr?.on('data', (d: Buffer) => { text += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const logs = () => text.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  return { child, logs, text: () => text, exited };
}

/** The log lines with this message. */
export const logged = (run: RunProcess, msg: string) => run.logs().filter((l) => l['msg'] === msg);
