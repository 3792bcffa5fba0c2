import { expandPermissions, onDesktop, touchSecrets, useOtherClassServer } from './boundary-events.ts';
import type { IncidentKind, IncidentPlan } from './incidents.ts';
import { claudeSession, int, pick, type Session } from './traffic.ts';

/**
 * The live simulator's boundary incident kinds (issue 14 part 3), the shapes the planted day plants
 * (planted-boundaries.ts) at a random time and person. Listed in INCIDENT_KINDS (incidents.ts).
 */

const MIN = 60_000;
const HOUR = 3_600_000;
const plan = (p: Omit<IncidentPlan, 'records'>): IncidentPlan => ({ records: [], ...p });

/**
 * An incident of one 30-minute gateway session that `change` turns into the detector's case; the
 * alert is expected on `entity` (given the session id and the person).
 */
function oneSessionIncident(
  id: string, detector: string, change: (s: Session) => void,
  describe: (email: string) => string, entity: (sessionId: string, email: string) => string,
): IncidentKind {
  return {
    id,
    detectors: [detector],
    plant(r, people, t) {
      const p = pick(r, people);
      const s = claudeSession(r, { person: p, start: t, end: t + 30 * MIN, via: 'litellm' });
      change(s);
      return plan({
        kind: id, description: describe(p.email), start: t, end: t + 30 * MIN, sessions: [s],
        expected: [{ detector, entity: entity(s.id, p.email), team: p.team, identity: p.email }],
      });
    },
  };
}

export const BOUNDARY_INCIDENT_KINDS: readonly IncidentKind[] = [
  oneSessionIncident('agent-reads-secrets', 'agent.data-boundary', touchSecrets,
    (email) => `${email}'s agent reads cloud credentials and a .env and clones another organisation's repository`,
    (session) => `session:${session}`),
  oneSessionIncident('bypass-permissions-locally', 'agent.local-permission-expansion', expandPermissions,
    (email) => `${email} runs Claude Code with bypassPermissions and approves Bash for good`,
    (_session, email) => `${email}:local-permissions`),
  oneSessionIncident('mcp-of-another-task', 'cross-source.mcp-task-scope', useOtherClassServer,
    (email) => `${email}'s coding session calls the chat class's confluence MCP server`,
    (session) => `session:${session}`),
  {
    id: 'moves-to-desktop',
    detectors: ['cross-source.entry-path-drift'],
    historyHours: 1,
    plant(r, people, t) {
      // The drift is a team's share, not one session: the person works the hour in several desktop sessions
      // (parallel projects), and most of the team's sessions that hour move with them, whatever the traffic's volume
      // (entry-path-drift judges the team's share of requests: at least minShare 0.2 and minRise over its baseline).
      const p = pick(r, people);
      const sessions = Array.from({ length: 5 }, () => {
        const start = t + int(r, 0, 10) * MIN;
        const s = claudeSession(r, { person: p, start, end: start + 40 * MIN, via: 'litellm' });
        onDesktop(s);
        return s;
      });
      return plan({
        kind: this.id, description: `${p.email} and most of ${p.team}'s sessions work an hour in Claude Code desktop, a surface the policy does not approve`,
        start: t, end: t + 50 * MIN, sessions, ordinary: { team: p.team, from: Math.floor(t / HOUR) * HOUR, to: t + 50 * MIN, share: 0.6, change: onDesktop },
        expected: [{ detector: 'cross-source.entry-path-drift', entity: `${p.team}:service:claude-code-desktop`, team: p.team, identity: p.email }],
      });
    },
  },
];
