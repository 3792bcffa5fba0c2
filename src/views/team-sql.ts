/**
 * Which policy team a roll-up row belongs to, as the detectors attribute it, for the console's
 * views. The lookups are maps bound as query parameters (policy-lookups.ts reads them once per
 * policy version and period), so attributing a row is a map lookup rather than a join:
 *
 *   key_team    gateway virtual key → its policy team (policy gatewayKeys)
 *   alias_team  logged team spelling (LiteLLM team id, Kong consumer, OTel team.id) → canonical team
 *   member_team person → the latest membership in force during [from, to)
 *
 * Gateway rows: key, then alias, then the person's membership (routing-drift, prompt-log-gap,
 * tool-scope-drift); agent rows: membership, then the OTel alias (session-without-gateway,
 * ownerless-session). A row none of them names keeps its logged team, else '(unattributed)'.
 * The queries using these bind the parameters policyLookups() returns.
 */

export const UNATTRIBUTED = '(unattributed)';

export const TEAM_LOOKUPS = `
  {key_team:Map(String, String)} AS key_team, {alias_team:Map(String, String)} AS alias_team, {member_team:Map(String, String)} AS member_team`;

const orLogged = (team: string) => `toString(${team}) != '', toString(${team}), '${UNATTRIBUTED}'`;

/** The team of a gateway row: its key's team, its logged team's alias, its person's membership. */
export function gatewayTeam(key: string, team: string, email: string): string {
  return `multiIf(key_team[${key}] != '', key_team[${key}], alias_team[lower(toString(${team}))] != '', alias_team[lower(toString(${team}))],
                  member_team[${email}] != '', member_team[${email}], ${orLogged(team)})`;
}

/** The team of an agent (telemetry) row: its person's membership, else its OTel team's alias. */
export function agentTeam(email: string, team: string): string {
  return `multiIf(member_team[${email}] != '', member_team[${email}], alias_team[lower(toString(${team}))] != '', alias_team[lower(toString(${team}))],
                  ${orLogged(team)})`;
}

/** `WHERE` text keeping the rows of the requested teams ({teams:Array(String)}, empty = all). */
export const TEAM_FILTER = `(empty({teams:Array(String)}) OR has({teams:Array(String)}, team))`;
