import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { persistAlerts } from '../../src/detect/alerts.ts';
import { sharedScratchStore } from '../../src/detect/scratch-store.ts';
import type { Store } from '../../src/store/store.ts';
import { ensureTopics } from '../../src/infra/topics.ts';
import { enqueueDeliveries } from '../../src/alerts/outbox.ts';
import { Dispatcher } from '../../src/alerts/dispatcher.ts';
import { buildDestinations } from '../../src/alerts/destinations/index.ts';
import { makeAlert } from '../helpers/alerts.ts';
import { testBrokers } from '../helpers/env.ts';

const T0 = new Date('2026-10-20T10:00:00Z');
let store: Store;
const brokers = () => testBrokers();

beforeAll(async () => {
  ({ store } = await sharedScratchStore());
});

describe('kafka and stdout destinations', () => {
  const kafka = new Kafka({ clientId: 'driftwatch-test-alerts', brokers: brokers(), logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  afterAll(async () => {
    await producer.disconnect();
  });

  it('publishes to the alerts topic keyed by fingerprint, and writes a JSON line to stdout', async () => {
    const topic = `driftwatch.alerts.${randomUUID().slice(0, 8)}`;
    await ensureTopics(brokers(), [topic], 1);
    await producer.connect();
    const lines: string[] = [];
    const destinations = buildDestinations({
      destinations: [
        { name: 'bus', type: 'kafka', topic },
        { name: 'out', type: 'stdout', topic: 'driftwatch.alerts' },
      ],
    }, { producer, stdout: { write: (s: string) => lines.push(s) } });
    const a = makeAlert({ entity: 'key:k', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, T0);
    const { created } = await persistAlerts(store, [a], T0);
    await enqueueDeliveries(store, created, [{ match: {}, destinations: ['bus', 'out'] }], T0);
    await new Dispatcher(store, { destinations, consoleBaseUrl: 'http://c', clock: () => T0 }).runOnce();

    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ event: 'trigger', dedupKey: a.fingerprint });
    const consumer = kafka.consumer({ groupId: `g-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got = await new Promise<{ key: string; value: string }>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve({ key: String(message.key), value: String(message.value) }) });
    });
    await consumer.disconnect();
    expect(got.key).toBe(a.fingerprint);
    expect(JSON.parse(got.value)).toMatchObject({ event: 'trigger', alert: { id: a.id, evidence: a.evidence } });
  });
});
