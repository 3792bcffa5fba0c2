import { describe, expect, it } from 'vitest';
import { consumerLag } from '../telemetry/metrics.ts';
import { PartitionLag } from './partition-lag.ts';

async function lagOf(topic: string, partition: number): Promise<number | undefined> {
  return (await consumerLag.get()).values.find((v) => v.labels.topic === topic && v.labels.partition === String(partition))?.value;
}

describe('PartitionLag', () => {
  it('is the high watermark minus the committed offset, per partition, dropped on a group join', async () => {
    const lag = new PartitionLag();
    // First fetch after an assignment starts at the committed offset (100); 250 messages exist.
    lag.fetched('gw', 0, '250', '100');
    lag.fetched('gw', 1, '10', '10');
    expect(await lagOf('gw', 0)).toBe(150);
    expect(await lagOf('gw', 1)).toBe(0);
    lag.committed('gw', 0, 200n);
    expect(await lagOf('gw', 0)).toBe(50);
    // More produced meanwhile: the next fetch reports a higher watermark.
    lag.fetched('gw', 0, '400', '200');
    expect(await lagOf('gw', 0)).toBe(200);
    lag.committed('gw', 0, 400n);
    expect(await lagOf('gw', 0)).toBe(0);
    lag.reset();
    expect(await lagOf('gw', 0)).toBeUndefined();
    // A commit that lands after the partition moved away publishes nothing.
    lag.committed('gw', 1, 20n);
    expect(await lagOf('gw', 1)).toBeUndefined();
  });
});
