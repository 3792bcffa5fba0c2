import { Command } from 'commander';
import { AppError } from '../../errors.ts';
import { sessionTrail, type SessionTrail } from '../../sessions/trail.ts';
import { cliContext, openMigratedStore } from '../context.ts';
import { table } from '../../detect/format.ts';

/** `driftwatch session <id>`: the session trail (src/sessions/trail.ts), as text or --json. */

function render(t: SessionTrail): string {
  const lines = [
    `session ${t.sessionId}   ${t.firstSeen} → ${t.lastSeen}`,
    `owner: ${t.owner.email || '(unresolved)'}  resolved by ${t.owner.resolvedBy}${t.owner.candidates.length ? `  (${t.owner.candidates.map((c) => `${c.email} via ${c.via}`).join('; ')})` : ''}`,
    `teams: ${t.teams.join(', ') || '-'}`,
    `identities: ${t.identities.map((i) => `${i.kind}=${i.value} [${i.source}]`).join(', ') || '-'}`,
    `credentials: ${t.credentials.map((c) => `${c.kind}=${c.value}`).join(', ') || '-'}`,
    `models: ${t.models.join(', ') || '-'}   tools: ${t.tools.join(', ') || '-'}   MCP servers: ${t.mcpServers.join(', ') || '-'}`,
    `cost: logged $${t.cost.loggedUsd.toFixed(4)} (${t.cost.gatewayRequests} gateway requests), billed $${t.cost.billedUsd.toFixed(4)} (${t.cost.billedRecords} records), telemetry $${t.cost.telemetryUsd.toFixed(4)}`,
    `alerts: ${t.alerts.map((a) => `${a.id} ${a.detector} ${a.severity} ${a.status}`).join('; ') || '-'}`,
    '',
    `IdP context (${t.idpContext.length}):`,
    ...t.idpContext.map((e) => `  ${e.at} ${e.idp} ${e.eventType} ${e.actor} ${e.app} ${e.outcome} ${e.clientIp}`),
    '',
    `timeline (${t.timeline.length}${t.timelineTruncated ? ', truncated' : ''}):`,
    table(['AT', 'SOURCE', 'KIND', 'IDENTITY', 'DETAIL', 'USD'], t.timeline.map((e) => [e.at, e.source, e.kind, e.identity, e.detail, e.costUsd.toFixed(4)]), [24, 8, 20, 32, 60, 10]),
  ];
  return `${lines.join('\n')}\n`;
}

export function sessionCommand(): Command {
  return new Command('session')
    .description('One agent session across every source: owner, credentials, models, tools, cost logged vs billed, IdP context, alerts, timeline.')
    .argument('<id>', 'session id (Claude Code session.id / gateway session id)')
    .option('--json', 'print the trail as one JSON document')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const store = await openMigratedStore(ctx);
      try {
        const trail = await sessionTrail(store, id);
        if (!trail) throw new AppError('SESSION_NOT_FOUND', `no source has seen session ${id}`, { id });
        process.stdout.write(opts.json ? `${JSON.stringify(trail, null, 2)}\n` : render(trail));
      } finally {
        await store.close();
      }
    });
}
