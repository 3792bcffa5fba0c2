import { fingerprintOf, type Alert } from '../../src/detect/alerts.ts';

/** An alert as detect builds it, with pinned times (no wall clock). */
export function makeAlert(over: Partial<Alert> & { entity: string; windowStart: string; windowEnd: string }, seenAt: Date): Alert {
  const detector = over.detector ?? 'cross-source.gateway-bypass';
  const fingerprint = fingerprintOf(detector, over.entity, new Date(over.windowStart), new Date(over.windowEnd));
  return {
    id: `dw-${fingerprint.slice(0, 20)}`, fingerprint, detector, title: 'Provider usage that bypassed the gateway', severity: 'high', audience: 'soc',
    team: 'team-platform', identity: 'alice@example.com', credential: 'anthropic:apikey_01', summary: 'Usage on a key the gateway does not hold',
    evidence: { figures: { requests: 42, cost_usd: 12.5 }, samples: [{ model: 'claude-sonnet-4-5', tokens: 1200 }] }, impactUsd: 12.5,
    controls: { owaspAgentic: ['T1'], maestro: ['L1'], nistAiRmf: ['GOVERN-1.1'], nistCsf: ['PR.AA-01'] },
    policyVersion: 'p1', firstSeen: seenAt.toISOString(), lastSeen: seenAt.toISOString(), status: 'open',
    ...over,
  } as Alert;
}
