import { expandPermissions, onDesktop, touchSecrets, useOtherClassServer } from './boundary-events.ts';
import type { PlantedAlert } from './planted.ts';
import type { Session } from './traffic.ts';
import { PEOPLE, type Person } from './world.ts';

/**
 * The planted day's boundary incidents (issue 14 part 3): four sessions of the day's schedule,
 * changed after they were drawn (boundary-events.ts draws no random numbers, so the rest of the
 * seeded day is unchanged), and the alerts they must raise. dave's hour on his own Claude login
 * (planted-day.ts) is also an entry-path drift for team-web: its share of subscription-login
 * requests rises from none in its morning to all of the 10:00 hour.
 */

const { alice, dana, dave, erin, frank } = PEOPLE;

function slotSession(sessions: readonly Session[], person: Person, from: number, to: number): Session {
  const s = sessions.find((x) => x.person === person && (x.calls[0]?.at ?? 0) >= from && (x.calls[0]?.at ?? 0) < to);
  if (!s) throw new Error(`the planted day has no session of ${person.email} starting in that slot`);
  return s;
}

export function plantBoundaryIncidents(sessions: readonly Session[], at: (hhmm: string) => number): PlantedAlert[] {
  // erin's evening session reads cloud credentials and a .env, and clones another organisation's repository.
  const secrets = slotSession(sessions, erin, at('18:50'), at('19:30'));
  touchSecrets(secrets);
  // dana starts her afternoon session with --dangerously-skip-permissions and approves Bash for good.
  const permissions = slotSession(sessions, dana, at('14:20'), at('15:00'));
  expandPermissions(permissions);
  // alice's coding session calls the chat class's confluence server.
  const scope = slotSession(sessions, alice, at('12:50'), at('13:30'));
  useOtherClassServer(scope);
  // frank works the evening in the desktop app.
  const desktop = slotSession(sessions, frank, at('19:50'), at('20:30'));
  onDesktop(desktop);
  return [
    {
      id: 'erin-secrets', plantedAt: secrets.turns[1]?.[0]?.at ?? at('19:00'),
      detector: 'agent.data-boundary', entity: `session:${secrets.id}`, team: 'team-ml', identity: erin.email,
      incident: 'erin\'s agent reads ~/.aws/credentials and .env.production and clones a repository of another organisation',
    },
    {
      id: 'dana-bypass-mode', plantedAt: permissions.turns[0]?.[0]?.at ?? at('14:30'),
      detector: 'agent.local-permission-expansion', entity: `${dana.email}:local-permissions`, team: 'team-platform-eng', identity: dana.email,
      incident: 'dana switches Claude Code to bypassPermissions from the command line and approves Bash permanently',
    },
    {
      id: 'alice-confluence', plantedAt: scope.turns[1]?.[0]?.at ?? at('13:00'),
      detector: 'cross-source.mcp-task-scope', entity: `session:${scope.id}`, team: 'team-platform-eng', identity: alice.email, credential: alice.litellm.alias,
      incident: 'alice\'s coding session calls the confluence MCP server, approved for the chat task class only',
    },
    {
      id: 'frank-desktop', plantedAt: desktop.calls[0]?.at ?? at('20:00'),
      detector: 'cross-source.entry-path-drift', entity: 'team-ml:service:claude-code-desktop', team: 'team-ml', identity: frank.email,
      incident: 'frank works the evening in Claude Code desktop, a surface the policy does not approve',
    },
    {
      id: 'bypass-entry-path', plantedAt: at('10:03'),
      detector: 'cross-source.entry-path-drift', entity: 'team-web:path:subscription-login', team: 'team-web', identity: dave.email,
      incident: 'dave\'s hour on his own Claude login moves team-web\'s requests off the approved gateway',
    },
  ];
}
