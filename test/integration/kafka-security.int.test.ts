import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { kafkaSecurity } from '../../src/infra/kafka-security.ts';
import { startLocalKafka, type LocalKafka } from '../../src/infra/local-kafka.ts';
import { ensureTopics } from '../../src/infra/topics.ts';
import { withProducer } from '../../src/ingest/produce.ts';
import { ingestRole } from '../../src/service/ingest-role.ts';
import type { Store } from '../../src/store/store.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { generateTraffic } from '../fixtures/traffic.ts';
import { count, testConfig, testStore, waitFor } from '../helpers/env.ts';
import { makeTestPki, type TestPki } from '../helpers/tls.ts';

/**
 * Production Kafka settings against a real broker: a local broker of its own with a
 * SASL_PLAINTEXT listener (SCRAM-SHA-256, the user created when storage is formatted) and an SSL
 * listener (a CA and broker certificate made here with openssl). The config's kafka.sasl /
 * kafka.ssl reach every client: topics are created, records produced and ingested through each.
 */
const log = createLogger('silent');
let broker: LocalKafka;
let pki: TestPki;
let store: Store;
const base = testConfig('kafka-security');

beforeAll(async () => {
  pki = makeTestPki();
  broker = await startLocalKafka({ scram: { username: 'driftwatch', password: 'scram-secret' }, ssl: { certificateChainPem: pki.chainPem, keyPem: pki.keyPem }, heapMb: 384 });
  store = await testStore(base);
});
afterAll(async () => {
  await store?.close();
  await broker?.stop();
});

/** One config as an operator writes it: the file names the mechanism and files, secrets from env / files. */
function secureConfig(tag: string, kafka: Record<string, unknown>, env: Record<string, string> = {}) {
  const file = join(pki.dir, `${tag}.json`);
  writeFileSync(file, JSON.stringify({ kafka: { ...kafka, groupId: `g-${tag}`, topics: { gateway: `${tag}.gateway`, billing: `${tag}.billing`, idp: `${tag}.idp`, agent: `${tag}.agent` } } }));
  return loadConfig({ file, env: { ...env }, overrides: { 'clickhouse.dataDir': base.clickhouse.dataDir, 'clickhouse.database': base.clickhouse.database, logLevel: 'silent' } });
}

async function roundTrip(tag: string, config: ReturnType<typeof secureConfig>): Promise<number> {
  const security = kafkaSecurity(config.kafka);
  await ensureTopics(config.kafka.brokers, Object.values(config.kafka.topics), 1, log, security);
  const records = [...generateTraffic(50, { formats: ['litellm.spend_log'], seed: tag.length })];
  await withProducer(config.kafka.brokers, async (p) => {
    await p.send({ topic: config.kafka.topics.gateway, acks: -1, messages: records.map((r) => ({ value: r.value })) });
  }, log, security);
  const role = ingestRole({ config: { ...config, ingest: { ...config.ingest, maxBatchAgeMs: 200, decodeWorkers: 0 } }, store, log, sources: ['gateway'] });
  await role.start();
  try {
    const sql = `SELECT count() c FROM gateway_requests WHERE source_topic = '${config.kafka.topics.gateway}'`;
    await waitFor(async () => (await count(store, sql)) === records.length, 60_000, `${tag} records ingested`);
    return count(store, sql);
  } finally {
    await role.stop();
  }
}

describe('Kafka TLS and SASL', () => {
  it('SCRAM-SHA-256 with the password from a file', async () => {
    const passwordFile = join(pki.dir, 'kafka-password');
    writeFileSync(passwordFile, 'scram-secret\n');
    const config = secureConfig('scram', { brokers: broker.scramBrokers, sasl: { mechanism: 'scram-sha-256', username: 'driftwatch', passwordFile } });
    expect(await roundTrip('scram', config)).toBe(50);
  });

  it('SCRAM with a wrong password from the environment is refused', async () => {
    const config = secureConfig('scram-bad', { brokers: broker.scramBrokers, sasl: { mechanism: 'scram-sha-256', username: 'driftwatch' } }, { KAFKA_SASL_PASSWORD: 'wrong' });
    await expect(ensureTopics(config.kafka.brokers, ['x'], 1, log, { ...kafkaSecurity(config.kafka) })).rejects.toThrow(/SASL|authentication|credentials/i);
  });

  it('TLS verified against the CA made for the test', async () => {
    const config = secureConfig('tls', { brokers: broker.sslBrokers, ssl: { caFile: pki.caFile } });
    expect(await roundTrip('tls', config)).toBe(50);
  });

  it('TLS without the CA is refused (the certificate is not trusted)', async () => {
    const config = secureConfig('tls-untrusted', { brokers: broker.sslBrokers, ssl: {} });
    await expect(ensureTopics(config.kafka.brokers, ['x'], 1, log, kafkaSecurity(config.kafka))).rejects.toThrow();
  });
});
