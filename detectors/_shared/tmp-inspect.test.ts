import { it } from 'vitest';
import { runCase } from '../../src/detect/cases.ts';
import { sharedScratchStore } from '../../src/detect/scratch-store.ts';
import { queryDetector } from '../../src/detect/run.ts';
import { resolveParams } from '../../src/detect/define-detector.ts';
import { anthropicUsagePage, at, claudeCodeEvent } from './fixtures.ts';
import { anthropicResult, litellmRequest, tokens } from './fixtures-finops.ts';
import detector from '../billing/spend-above-approved.ts';
it('inspect', async () => {
  const SMALL = tokens({ uncached: 20_000, cacheRead: 300_000, output: 5_000 });
  const c = { name: 'x', window: { from: at('14:00'), to: at('15:00') }, expect: 'none' as const, records: {
    gateway: [...Array.from({ length: 10 }, (_, i) => litellmRequest(at('12:00', -(i + 1)), 'alice', SMALL, { spend: 100 })), litellmRequest(at('10:00'), 'alice', SMALL, { spend: 300 })],
    billing: [anthropicUsagePage(at('13:00'), [anthropicResult(tokens({ uncached: 100_000, output: 20_000 }), { api_key_id: null, workspace_id: null, account_id: 'user_01WCz1FkmYMm4gnmykNKUu3Q' })])],
    agent: [claudeCodeEvent(at('13:10'), { 'user.account_id': 'user_01WCz1FkmYMm4gnmykNKUu3Q', 'user.email': 'alice@example.com' })],
  } };
  const r = await runCase(detector, c);
  for (const a of r.alerts) console.log(JSON.stringify(a, null, 1));
  const { store } = await sharedScratchStore();
  const rows = await queryDetector(store, detector, { from: new Date(c.window.from), to: new Date(c.window.to) }, resolveParams(detector));
  console.log(JSON.stringify(rows.map((x: any) => ({ ...x, samples: x.samples.length })), null, 0));
});
