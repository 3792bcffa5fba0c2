import { describe, expect, it } from 'vitest';
import { buildAlert, createdPerWindow, fingerprintOf, persistAlerts, storedAlerts, type Alert } from './alerts.ts';
import { defineDetector, type AlertDraft } from './define-detector.ts';
import { sharedScratchStore, truncateTables } from './scratch-store.ts';
import { sql } from './sql.ts';
import { redactEvidence } from './redact.ts';

const detector = defineDetector({
  id: 'gateway.test-alerts',
  title: 'Test',
  description: 'Test detector for the alert store.',
  severity: 'medium',
  audience: 'soc',
  schedule: { every: '1h', lookback: '1h', settle: '0m' },
  controls: { owaspAgentic: ['ASI10'], maestro: ['L6'], nistAiRmf: ['MANAGE 4.1'], nistCsf: ['DE.CM-03'] },
  runbook: 'Nothing to do: this detector exists for the alert store tests only.',
  falsePositives: ['Always'],
  query: sql`SELECT 1 FROM gateway_requests WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}`,
  alert: () => null,
});

const draft = (over: Partial<AlertDraft> = {}): AlertDraft => ({
  entity: 'session:abc',
  team: 'team-web',
  identity: 'dave.kim@example.com',
  credential: '',
  summary: 'Something happened in a session that is long enough.',
  evidence: { figures: { requests: 3 }, samples: ['{"request_id":"r1"}'] },
  impactUsd: 1.5,
  windowStart: '2026-08-19 00:00:00.000',
  windowEnd: new Date('2026-08-20T00:00:00Z'),
  ...over,
});

describe('alerts', () => {
  it('turns a credential in any text field into its fingerprint (issue 9: ownerless-session put a raw key in entity, credential, summary)', () => {
    const key = 'sk-ant-api03-' + 'Q'.repeat(40) + 'LEAK';
    const a = buildAlert(detector, draft({
      entity: `credential:${key}`, credential: key, identity: `Bearer ${'t'.repeat(24)}`, team: 'team-web',
      summary: `Key ${key} was used with no owner.`, evidence: { figures: { credential: key }, samples: [`{"api_key":"${key}"}`] },
    }), { now: new Date('2026-08-20T00:00:00Z'), policyVersion: 'v1' });
    const text = JSON.stringify(a);
    expect(text).not.toContain(key);
    expect(text).not.toContain('t'.repeat(24));
    expect(a.credential).toMatch(/^sk-ant-api03-…LEAK#[0-9a-f]{12}$/);
    expect(a.entity).toBe(`credential:${a.credential}`);
    expect(a.summary).toContain(a.credential);
  });

  it('fingerprints detector + entity + incident window, nothing else', () => {
    const ctx = { now: new Date('2026-08-20T00:00:00Z'), policyVersion: 'v1' };
    const a = buildAlert(detector, draft(), ctx);
    expect(a.fingerprint).toBe(fingerprintOf('gateway.test-alerts', 'session:abc', new Date('2026-08-19T00:00:00Z'), new Date('2026-08-20T00:00:00Z')));
    expect(buildAlert(detector, draft({ summary: 'Different words, same incident, fine.', evidence: { figures: {} } }), ctx).fingerprint).toBe(a.fingerprint);
    expect(buildAlert(detector, draft({ entity: 'session:other' }), ctx).fingerprint).not.toBe(a.fingerprint);
    expect(buildAlert(detector, draft({ windowEnd: '2026-08-19 12:00:00.000' }), ctx).fingerprint).not.toBe(a.fingerprint);
    expect(a).toMatchObject({ severity: 'medium', audience: 'soc', windowStart: '2026-08-19T00:00:00.000Z', controls: { nistCsf: ['DE.CM-03'] } });
  });

  it('rejects drafts a detector got wrong, naming the detector', () => {
    const ctx = { now: new Date('2026-08-20T00:00:00Z'), policyVersion: '' };
    expect(() => buildAlert(detector, draft({ entity: ' ' }), ctx)).toThrow(/gateway.test-alerts produced an invalid alert: entity/);
    expect(() => buildAlert(detector, draft({ windowEnd: '2026-08-18 00:00:00.000' }), ctx)).toThrow(/windowStart < windowEnd/);
    expect(() => buildAlert(detector, draft({ windowStart: 'yesterday' }), ctx)).toThrow(/invalid alert/);
  });

  it('stores each fingerprint once: the first evidence and status stay, last_seen moves', async () => {
    const { store } = await sharedScratchStore();
    await truncateTables(store, ['alerts']);
    const t1 = new Date('2026-08-19T15:00:00Z');
    const first = await persistAlerts(store, [buildAlert(detector, draft(), { now: t1, policyVersion: 'v1' })], t1);
    expect(first.created).toHaveLength(1);

    const t2 = new Date('2026-08-19T16:00:00Z');
    const later = buildAlert(detector, draft({ evidence: { figures: { requests: 1 } } }), { now: t2, policyVersion: 'v2' });
    const second = await persistAlerts(store, [later, later], t2);
    expect(second.created).toEqual([]);
    expect(second.seenAgain).toHaveLength(1);

    const stored = (await storedAlerts(store, [later.fingerprint])).get(later.fingerprint);
    expect(stored).toMatchObject({
      firstSeen: t1.toISOString(),
      lastSeen: t2.toISOString(),
      status: 'open',
      policyVersion: 'v1',
      impactUsd: 1.5,
      evidence: { figures: { requests: 3 } },
    });
    const counted = await (await store.client.query({ query: 'SELECT count() AS n FROM alerts FINAL', format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } })).json<{ n: number }>();
    expect(counted).toEqual([{ n: 1 }]);
  });

  it('an early detector\'s later view that weighs more replaces summary, evidence and impact; first seen, status and id stay', async () => {
    const { store } = await sharedScratchStore();
    await truncateTables(store, ['alerts']);
    const at = (h: number) => new Date(Date.UTC(2026, 7, 19, h));
    const view = (usd: number, hours: number, h: number) =>
      buildAlert(detector, draft({ impactUsd: usd, summary: `Billed outside the gateway in ${hours} hour(s): $${usd}.`, evidence: { figures: { hours } } }), { now: at(h), policyVersion: 'v1' });
    const first = (await persistAlerts(store, [view(4, 1, 10)], at(10), { growing: true })).created[0] as Alert;
    // Larger: taken. Smaller (a partial re-run, or a detector that is not early): kept as it was.
    await persistAlerts(store, [view(9, 3, 13)], at(13), { growing: true });
    await persistAlerts(store, [view(6, 2, 14)], at(14), { growing: true });
    await persistAlerts(store, [view(20, 5, 15)], at(15));
    const stored = (await storedAlerts(store, [first.fingerprint])).get(first.fingerprint);
    expect(stored).toMatchObject({
      id: first.id, firstSeen: at(10).toISOString(), lastSeen: at(15).toISOString(), status: 'open',
      impactUsd: 9, summary: 'Billed outside the gateway in 3 hour(s): $9.', evidence: { figures: { hours: 3 } },
    });
  });
});

describe('evidence redaction', () => {
  it('masks secrets by shape and key, and prompt text, in samples and figures', () => {
    const out = redactEvidence({
      figures: { note: 'user pasted sk-ant-api03-abcdefghijklmnopqrstuv into a tag', tokens: 12 },
      samples: [
        JSON.stringify({ request: { headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl' } }, messages: [{ role: 'user', content: 'our secret roadmap' }], client_secret: 'hunter2' }),
        '',
        { nested: { key: 'AKIAABCDEFGHIJKLMNOP', task: 'task-classification-pipeline-v2' } },
      ],
    });
    const text = JSON.stringify(out);
    for (const leaked of ['sk-ant-api03-abcdefghijklmnopqrstuv', 'eyJhbGciOiJIUzI1NiJ9', 'our secret roadmap', 'hunter2', 'AKIAABCDEFGHIJKLMNOP']) {
      expect(text).not.toContain(leaked);
    }
    expect(text).toContain('task-classification-pipeline-v2');
    expect(out.samples).toHaveLength(2);
    expect(out.figures['tokens']).toBe(12);
  });
  it('masks a secret in a sample wherever it sits: a JSON text inside a string, a multi-line private key', () => {
    const key = 'sk-proj-Abc123Def456Ghi789Jkl012Mno345Pqr678';
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw\n-----END RSA PRIVATE KEY-----';
    const out = redactEvidence({
      figures: {},
      samples: [JSON.stringify({ attributes: { 'ci.job_label': JSON.stringify({ command: `export OPENAI_API_KEY=${key}` }), 'ci.runner_key': pem } })],
    });
    const text = JSON.stringify(out);
    expect(text).not.toContain(key.slice(8));
    expect(text).not.toContain('MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw');
    expect(text).toContain('export OPENAI_API_KEY=');
  });
});

describe('createdPerWindow', () => {
  it('reports a new alert with the first window of the batch that raised it, once', () => {
    const alert = (fingerprint: string) => ({ fingerprint }) as Alert;
    const [a, b, c] = [alert('a'), alert('b'), alert('c')];
    // b spans windows 0 and 2; c was already stored, so it is not new.
    expect(createdPerWindow([[a, b], [c], [b]], [a, b]).map((w) => w.map((x) => x.fingerprint))).toEqual([['a', 'b'], [], []]);
  });
});
