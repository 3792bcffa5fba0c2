import type { AgentEvent, Session } from './traffic.ts';

/**
 * What the four boundary incidents change in a Claude Code session (issue 14 part 3), shared by the
 * planted day (planted-day.ts) and the live simulator's incident kinds (boundary-incidents.ts):
 * tool calls with their details logged, local permission expansions, MCP servers of another task
 * class, and the desktop surface. Each mutates a session built by claudeSession and draws no
 * random numbers, so planting one leaves the rest of a seeded day as it was.
 */

type Doc = Record<string, unknown>;

/** A secret value in a command's text: it must reach no table, roll-up or alert (the e2e and leak tests grep for it). */
export const PLANTED_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSIMPLANTED01';
/** The organisation outside the expected set the data-boundary incident clones from. */
export const OUTSIDE_ORG = 'rival-labs';

/** Attributes of the events only boundary incidents emit; undefined for the ordinary ones. */
export function boundaryEventAttributes(e: AgentEvent): Doc | undefined {
  if (e.name === 'permission_mode_changed') return { 'event.name': 'permission_mode_changed', from_mode: 'default', to_mode: e.toMode ?? 'bypassPermissions', trigger: 'cli_flag' };
  if (e.name === 'tool_decision') {
    const mcp = (e.tool ?? '').startsWith('mcp__');
    return { 'event.name': 'tool_decision', tool_name: e.tool, tool_use_id: `toolu_01sim${e.at.toString(36)}${e.seq}`, decision: 'accept', source: e.source ?? 'user_temporary', tool_source: mcp ? 'mcp' : 'builtin' };
  }
  return undefined;
}

function toolResults(s: Session): AgentEvent[] {
  return s.turns.flatMap((turn) => turn.filter((e) => e.name === 'tool_result'));
}

/** Tool calls that read cloud credentials and a .env (with a secret on the command line), then clone another organisation's repository. */
export function touchSecrets(s: Session): void {
  const calls: [string, Doc][] = [
    ['Read', { file_path: `/home/${s.person.email.split('@')[0]}/.aws/credentials` }],
    ['Bash', { bash_command: 'cat', full_command: `cat .env.production && export AWS_SECRET_ACCESS_KEY=${PLANTED_SECRET}` }],
    ['Bash', { bash_command: 'git', full_command: `git clone https://github.com/${OUTSIDE_ORG}/billing-exporter.git /tmp/exporter` }],
  ];
  toolResults(s).slice(1, 1 + calls.length).forEach((e, i) => {
    const [tool, parameters] = calls[i] as [string, Doc];
    e.tool = tool;
    e.parameters = parameters;
  });
}

/** The session switches to bypassPermissions from the command line, and the person approves Bash for good. */
export function expandPermissions(s: Session): void {
  const [first, second] = s.turns;
  const prompt = first?.[0];
  if (prompt) first.splice(1, 0, { name: 'permission_mode_changed', at: prompt.at + 200, seq: prompt.seq, toMode: 'bypassPermissions' });
  const tool = second?.find((e) => e.name === 'tool_result');
  if (second && tool) second.push({ name: 'tool_decision', at: tool.at - 300, seq: tool.seq, tool: 'Bash', source: 'user_permanent' });
  if (tool) tool.tool = 'Bash';
}

/** A coding session calls the chat class's knowledge-base MCP server (approved org-wide, for the chat class only). */
export function useOtherClassServer(s: Session, server = 'confluence'): void {
  for (const e of toolResults(s).slice(1, 3)) e.tool = `mcp__${server}__search`;
}

/** The session runs in the desktop app instead of the CLI. */
export function onDesktop(s: Session): void {
  s.service = 'claude-code-desktop';
}
