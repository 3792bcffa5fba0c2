import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { Config } from '../config/schema.ts';
import { AppError } from '../errors.ts';

/** What every kafkajs client of driftwatch needs besides brokers: TLS and SASL from the config. */
export type KafkaSecurity = Pick<KafkaConfig, 'ssl' | 'sasl'>;

function readSecret(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `cannot read ${what} file ${file}`, { file }, false, { cause: err });
  }
}

function sasl(cfg: NonNullable<Config['kafka']['sasl']>): SASLOptions {
  if (cfg.mechanism === 'oauthbearer') {
    const { token, tokenFile } = cfg;
    // Called at every (re)authentication: a token file rotated by a sidecar is picked up.
    return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: tokenFile ? readSecret(tokenFile, 'OAUTHBEARER token') : (token as string) }) };
  }
  const username = cfg.username as string;
  const password = cfg.password ?? readSecret(cfg.passwordFile as string, 'SASL password');
  if (cfg.mechanism === 'plain') return { mechanism: 'plain', username, password };
  return cfg.mechanism === 'scram-sha-256' ? { mechanism: 'scram-sha-256', username, password } : { mechanism: 'scram-sha-512', username, password };
}

/** Files are read here, once per client: a missing file fails at start-up with its path. */
export function kafkaSecurity(cfg: Config['kafka']): KafkaSecurity {
  const out: KafkaSecurity = {};
  if (cfg.ssl) {
    const { caFile, certFile, keyFile, rejectUnauthorized, servername } = cfg.ssl;
    out.ssl = {
      rejectUnauthorized,
      ...(caFile ? { ca: [readSecret(caFile, 'Kafka CA')] } : {}),
      ...(certFile ? { cert: readSecret(certFile, 'Kafka client certificate') } : {}),
      ...(keyFile ? { key: readSecret(keyFile, 'Kafka client key') } : {}),
      ...(servername ? { servername } : {}),
    };
  }
  if (cfg.sasl) out.sasl = sasl(cfg.sasl);
  return out;
}
