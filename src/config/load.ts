import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { AppError } from '../errors.ts';
import { configSchema, type Config } from './schema.ts';

type Env = Record<string, string | undefined>;

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function applyEnv(raw: Record<string, unknown>, env: Env): void {
  const set = (name: string, path: string[], map: (v: string) => unknown = (v) => v): void => {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, path, map(v));
  };
  set('KAFKA_BROKERS', ['kafka', 'brokers'], (v) => v.split(',').map((s) => s.trim()).filter(Boolean));
  set('KAFKA_GROUP_ID', ['kafka', 'groupId']);
  set('KAFKA_SASL_MECHANISM', ['kafka', 'sasl', 'mechanism']);
  set('KAFKA_SASL_USERNAME', ['kafka', 'sasl', 'username']);
  set('KAFKA_SASL_PASSWORD', ['kafka', 'sasl', 'password']);
  set('KAFKA_SASL_OAUTH_TOKEN', ['kafka', 'sasl', 'token']);
  set('KAFKA_SSL_CA_FILE', ['kafka', 'ssl', 'caFile']);
  set('CLICKHOUSE_URL', ['clickhouse', 'url']);
  set('CLICKHOUSE_USER', ['clickhouse', 'username']);
  set('CLICKHOUSE_PASSWORD', ['clickhouse', 'password']);
  set('CLICKHOUSE_DATABASE', ['clickhouse', 'database']);
  set('DRIFTWATCH_DATA_DIR', ['clickhouse', 'dataDir']);
  set('DRIFTWATCH_STORE_PROMPT_TEXT', ['ingest', 'storePromptText'], (v) => v === 'true' || v === '1');
  set('DRIFTWATCH_POLICY', ['policyFile']);
  set('LOG_LEVEL', ['logLevel']);
  set('DRIFTWATCH_READ_TOKEN', ['api', 'readToken']);
  set('DRIFTWATCH_WRITE_TOKEN', ['api', 'writeToken']);
}

/** Formats every zod issue as `path: message`, so an operator fixes all of them in one go. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

export interface LoadOptions {
  file?: string | undefined;
  env?: Env;
  overrides?: Record<string, unknown>;
}

/** File (YAML or JSON) + environment → validated Config; throws one AppError listing every problem. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env['DRIFTWATCH_CONFIG'];
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new AppError('CONFIG_INVALID', `cannot read config file ${file}`, { file }, false, { cause: err });
    }
    const parsed: unknown = parseYaml(text);
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new AppError('CONFIG_INVALID', `config file ${file} must hold a mapping`, { file });
    }
    raw = (parsed as Record<string, unknown> | null) ?? {};
  }
  applyEnv(raw, env);
  for (const [path, value] of Object.entries(options.overrides ?? {})) setPath(raw, path.split('.'), value);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issues = formatIssues(result.error);
    throw new AppError('CONFIG_INVALID', `invalid configuration:\n  ${issues.join('\n  ')}`, { file, issues });
  }
  return result.data;
}
