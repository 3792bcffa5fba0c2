import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onOwnSession } from '../../src/service/role-factories.ts';
import type { RoleContext } from '../../src/service/role.ts';
import { selectRows } from '../../src/store/select-rows.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import type { Store } from '../../src/store/store.ts';
import { testConfig, testStore } from '../helpers/env.ts';

/**
 * Store.fork on the real engine (embedded, or the server CLICKHOUSE_URL names): a fork is another
 * session on the same data, so each sees the other's writes, and a statement on one does not wait
 * for a statement running on the other (the embedded engine runs one at a time per session). The
 * detector lanes (src/detect/lanes.ts) rely on both.
 */
const config = testConfig('store-fork');
let store: Store;
beforeAll(async () => {
  store = await testStore(config);
  await store.client.command({ query: 'CREATE TABLE IF NOT EXISTS fork_probe (k String, v UInt32) ENGINE = MergeTree ORDER BY k' });
  await store.client.command({ query: 'TRUNCATE TABLE fork_probe' });
});
afterAll(async () => {
  await store?.client.command({ query: 'DROP TABLE IF EXISTS fork_probe' });
  await store?.close();
});

describe('Store.fork', () => {
  it('shares the data both ways, in the same database', async () => {
    const fork = await store.fork();
    try {
      await store.insertRows('fork_probe', [{ k: 'parent', v: 1 }], '');
      await fork.insertRows('fork_probe', [{ k: 'fork', v: 2 }], '');
      const read = (s: Store) => selectRows<{ k: string; v: number }>(s, 'SELECT k, v FROM fork_probe ORDER BY k', {});
      expect(await read(fork)).toEqual([{ k: 'fork', v: 2 }, { k: 'parent', v: 1 }]);
      expect(await read(store)).toEqual(await read(fork));
      expect(fork.database).toBe(store.database);
    } finally {
      await fork.close();
    }
    // Closing the fork leaves the parent working.
    expect(await selectRows<{ n: number }>(store, 'SELECT toUInt32(count()) AS n FROM fork_probe', {})).toEqual([{ n: 2 }]);
  });

  it("runs a statement while the other session's is still running", async () => {
    const fork = await store.fork();
    try {
      const finished: string[] = [];
      // About two seconds on the parent's session; the fork's read is asked for after it starts.
      const slow = selectRows(store, 'SELECT sum(sleepEachRow(0.5)) AS s FROM numbers(4) SETTINGS max_block_size = 1', {}).then(() => finished.push('slow'));
      await new Promise((r) => setTimeout(r, 200));
      const quick = selectRows(fork, 'SELECT 1 AS one', {}).then(() => finished.push('quick'));
      await Promise.all([slow, quick]);
      expect(finished).toEqual(['quick', 'slow']);
    } finally {
      await fork.close();
    }
  });

  it('runs a role on a session of its own (onOwnSession, the deliver role): its statements do not wait for the parent\'s, and it is closed after the role stops', async () => {
    let own: Store | undefined;
    const events: string[] = [];
    const factory = onOwnSession((ctx) => {
      own = ctx.store;
      return { name: 'deliver', start: async () => {}, stop: async () => { events.push('role stopped'); }, ready: () => ({ ok: true, detail: {} }) };
    });
    const ctx: RoleContext = { config, store, log: createLogger('silent'), port: 0, readiness: () => ({}) };
    const role = await factory(ctx);
    await role.start();
    expect(own).toBeDefined();
    expect(own).not.toBe(store);
    const finished: string[] = [];
    const slow = selectRows(store, 'SELECT sum(sleepEachRow(0.5)) AS s FROM numbers(4) SETTINGS max_block_size = 1', {}).then(() => finished.push('parent'));
    await new Promise((r) => setTimeout(r, 200));
    const quick = selectRows(own as Store, 'SELECT 1 AS one', {}).then(() => finished.push('role'));
    await Promise.all([slow, quick]);
    expect(finished).toEqual(['role', 'parent']);
    await role.stop();
    expect(events).toEqual(['role stopped']);
    if (store.kind === 'embedded') await expect(selectRows(own as Store, 'SELECT 1 AS one', {})).rejects.toThrow();
    // The parent goes on.
    expect(await selectRows<{ one: number }>(store, 'SELECT 1 AS one', {})).toEqual([{ one: 1 }]);
  });
});
