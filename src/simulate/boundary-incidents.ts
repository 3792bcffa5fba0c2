import { expandPermissions, onDesktop, touchSecrets, useOtherClassServer } from './boundary-events.ts';
import type { IncidentKind, IncidentPlan } from './incidents.ts';
import { claudeSession, int, pick } from './traffic.ts';

/**
 * The live simulator's boundary incident kinds (issue 14 part 3), the shapes the planted day plants
 * (planted-boundaries.ts) at a random time and person. Listed in INCIDENT_KINDS (incidents.ts).
 */

const MIN = 60_000;
const plan = (p: Omit<IncidentPlan, 'records'>): IncidentPlan => ({ records: [], ...p });

export const BOUNDARY_INCIDENT_KINDS: readonly IncidentKind[] = [
  {
    id: 'agent-reads-secrets',
    detectors: ['agent.data-boundary'],
    plant(r, people, t) {
      const p = pick(r, people);
      const s = claudeSession(r, { person: p, start: t, end: t + 30 * MIN, via: 'litellm' });
      touchSecrets(s);
      return plan({
        kind: this.id, description: `${p.email}'s agent reads cloud credentials and a .env and clones another organisation's repository`, start: t, end: t + 30 * MIN, sessions: [s],
        expected: [{ detector: 'agent.data-boundary', entity: `session:${s.id}`, team: p.team, identity: p.email }],
      });
    },
  },
  {
    id: 'bypass-permissions-locally',
    detectors: ['agent.local-permission-expansion'],
    plant(r, people, t) {
      const p = pick(r, people);
      const s = claudeSession(r, { person: p, start: t, end: t + 30 * MIN, via: 'litellm' });
      expandPermissions(s);
      return plan({
        kind: this.id, description: `${p.email} runs Claude Code with bypassPermissions and approves Bash for good`, start: t, end: t + 30 * MIN, sessions: [s],
        expected: [{ detector: 'agent.local-permission-expansion', entity: `${p.email}:local-permissions`, team: p.team, identity: p.email }],
      });
    },
  },
  {
    id: 'mcp-of-another-task',
    detectors: ['cross-source.mcp-task-scope'],
    plant(r, people, t) {
      const p = pick(r, people);
      const s = claudeSession(r, { person: p, start: t, end: t + 30 * MIN, via: 'litellm' });
      useOtherClassServer(s);
      return plan({
        kind: this.id, description: `${p.email}'s coding session calls the chat class's confluence MCP server`, start: t, end: t + 30 * MIN, sessions: [s],
        expected: [{ detector: 'cross-source.mcp-task-scope', entity: `session:${s.id}`, team: p.team, identity: p.email }],
      });
    },
  },
  {
    id: 'moves-to-desktop',
    detectors: ['cross-source.entry-path-drift'],
    plant(r, people, t) {
      // The drift is a team's share, not one session: the person works the hour in several desktop sessions (parallel projects).
      const p = pick(r, people);
      const sessions = Array.from({ length: 5 }, () => {
        const start = t + int(r, 0, 10) * MIN;
        const s = claudeSession(r, { person: p, start, end: start + 40 * MIN, via: 'litellm' });
        onDesktop(s);
        return s;
      });
      return plan({
        kind: this.id, description: `${p.email} works an hour in Claude Code desktop, a surface the policy does not approve`, start: t, end: t + 50 * MIN, sessions,
        expected: [{ detector: 'cross-source.entry-path-drift', entity: `${p.team}:service:claude-code-desktop`, team: p.team, identity: p.email }],
      });
    },
  },
];
