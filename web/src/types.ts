/** The shapes the console reads, as the API's zod schemas define them (src/api/routes/). */

export interface AlertRecord {
  id: string; fingerprint: string; detector: string; title: string; severity: string; audience: string; team: string; identity: string;
  credential: string; entity: string; windowStart: string; windowEnd: string; summary: string; impactUsd: number | null;
  firstSeen: string; lastSeen: string; status: string; assignee?: string; occurrences?: number; snoozedUntil?: string | null; reason?: string;
}
export interface AlertList { items: AlertRecord[]; total: number; countsByStatus: Record<string, number>; limit: number; offset: number }
export interface HistoryEntry { at: string; actor: string; action: string; from?: string; to?: string; comment?: string }
export interface AlertDetail extends AlertRecord {
  evidence: { figures?: Record<string, unknown>; samples?: unknown[] } | null;
  controls?: Record<string, string[]>;
  history?: HistoryEntry[];
  comments?: { at: string; actor: string; text: string }[];
}
export interface Signal {
  kind: 'spend' | 'share' | 'count'; unit: 'usd' | 'share' | 'count'; title: string; from: string; to: string;
  points: { t: string; value: number; baseline: number | null; budget: number | null }[];
  marks: { t: string; label: string }[];
}
export interface Control { framework: string; frameworkName: string; id: string; name: string; url: string | null }

export interface DetectorInfo {
  id: string; title: string; description: string; severity: string; audience: string; category?: string;
  schedule: { every: string; lookback: string; settle: string }; sources: string[]; runbook: string; falsePositives?: string[];
  controls: { framework: string; id: string; name: string | null }[];
  watermark: string | null; nextRunAt: string | null; outcome: string;
  lastRun: { windowStart: string; windowEnd: string; evaluatedAt: string; alerts: number; newAlerts: number; durationMs: number } | null;
  alerts: { total: number; byStatus: Record<string, number> };
}
export interface DetectorHistory { id: string; runs: { at: string; outcome: string; durationMs: number; alerts: number }[]; alertsPerDay: { day: string; count: number }[] }

export interface SpendRow { key: string; loggedUsd: number; billedUsd: number; approvedUsd: number | null; unexplainedUsd: number }
export interface Spend { from: string; to: string; groupBy: string; rows: SpendRow[]; totals: Omit<SpendRow, 'key'> }
export interface SpendSeries {
  from: string; to: string;
  series: {
    team: string;
    days: { day: string; loggedUsd: number; billedUsd: number; approvedUsd: number | null; unexplainedUsd: number }[];
    approvedChanges: { effectiveFrom: string; dailyUsd: number | null; monthlyUsd: number | null; note: string | null }[];
  }[];
  byModel: { team: string; model: string; usd: number }[];
  byCredential: { team: string; credential: string; source: string; usd: number }[];
  /** Per team, the credentials byCredential leaves out (absent from servers before it). */
  byCredentialRest?: { team: string; credentials: number; usd: number }[];
  topMovers: { team: string; thisWeekUsd: number; lastWeekUsd: number; changeUsd: number; changePct: number | null }[];
}

export interface Share { share: number | null }
export interface PostureTeam {
  team: string;
  gatewayShare: Share & { sessions: number; viaApprovedGateway: number };
  promptLogShare: Share & { requests: number; logged: number };
  ownerShare: Share & { events: number; named: number };
  models: { taskClass: string; model: string; approved: boolean; requests: number }[];
  tools: { kind: 'tool' | 'mcp_server'; name: string; approved: boolean; uses: number }[];
  unheldCredentials: { credential: string; source: string; events: number; costUsd: number }[];
  trend: { day: string; gatewayShare: number | null; promptLogShare: number | null; ownerShare: number | null }[];
  alerts: { open: number; byDetector: { detector: string; open: number }[] };
}
export interface Posture { from: string; to: string; teams: PostureTeam[] }

export interface SourceTeam {
  source: string; team: string; events: number; lastEventAt: string | null; lastIngestedAt: string | null; ingestLagSeconds: number | null;
  maxIngestDelaySeconds: number | null; hoursWithEvents: number; hoursInWindow: number; completeness: number;
}
export interface Sources { from: string; to: string; now: string; sources: SourceTeam[]; rejects: {
    source: string; reason: string; count: number; lastAt: string; samples: string[];
    records?: { at: string; format: string; detail: string; rawBytes: number; rawPrefix: string }[];
  }[];
}

export interface SessionTrail {
  sessionId: string; firstSeen: string; lastSeen: string;
  owner: { email: string; resolvedBy: string; candidates: { email: string; via: string }[] };
  teams: string[]; identities: { kind: string; value: string; source: string }[]; credentials: { kind: string; value: string; source: string }[];
  models: string[]; tools: string[]; mcpServers: string[];
  cost: { loggedUsd: number; billedUsd: number; telemetryUsd: number; gatewayRequests: number; billedRecords: number };
  idpContext: { at: string; idp: string; eventType: string; actor: string; app: string; outcome: string; clientIp: string }[];
  alerts: { id: string; detector: string; severity: string; status: string; title: string; windowStart: string }[];
  timeline: { at: string; source: string; kind: string; identity: string; detail: string; costUsd: number }[];
  timelineTruncated: boolean;
}
