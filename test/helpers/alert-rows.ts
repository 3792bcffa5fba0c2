import { clickHouseTime as chTime } from '../../src/detect/windows.ts';
import type { Store } from '../../src/store/store.ts';

export interface AlertSeed {
  id: string; detector: string; severity: string; audience: string; team: string; identity: string; entity: string;
  windowStart: Date; windowEnd: Date; status?: string; evidence?: unknown; impactUsd?: number | null;
}

/** Alert rows straight into the table (the shape src/detect/alerts.ts stores). */
export async function insertAlerts(store: Store, seeds: readonly AlertSeed[]): Promise<void> {
  if (seeds.length === 0) return;
  await store.client.insert({
    table: 'alerts', format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: '' },
    values: seeds.map((s) => ({
      id: s.id, fingerprint: `fp-${s.id}`, detector: s.detector, title: `${s.detector} fired`, severity: s.severity, audience: s.audience,
      team: s.team, identity: s.identity, credential: '', entity: s.entity, window_start: chTime(s.windowStart), window_end: chTime(s.windowEnd),
      summary: `${s.detector} on ${s.entity}`, evidence: JSON.stringify(s.evidence ?? { figures: {} }), impact_usd: s.impactUsd ?? null,
      owasp_agentic: [], maestro: [], nist_ai_rmf: [], nist_csf: [], policy_version: 'test',
      first_seen: chTime(s.windowEnd), last_seen: chTime(s.windowEnd), status: s.status ?? 'open', updated_at: chTime(s.windowEnd),
    })),
  });
}
