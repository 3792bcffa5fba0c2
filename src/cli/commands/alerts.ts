import { Command } from 'commander';
import { cliContext, openMigratedStore } from '../context.ts';
import { AppError } from '../../errors.ts';
import { applyAction, getAlert, listAlerts, type AlertRecord } from '../../alerts/repository.ts';
import { alertFilterSchema, alertPageSchema, triageActionSchema, type TriageAction } from '../../alerts/schemas.ts';
import type { Store } from '../../store/store.ts';
import { routesOf } from '../../alerts/setup.ts';

/**
 * `driftwatch alerts …`: what fired, and triage from a terminal. Filters and actions go through
 * the same zod schemas as the HTTP API (src/alerts/schemas.ts).
 */

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.map(String).join('.') || 'value'}: ${i.message}`);
  throw new AppError('CONFIG_INVALID', issues.join('; '), { issues });
}

async function withStore<T>(cmd: Command, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openMigratedStore(cliContext(cmd));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function table(items: AlertRecord[]): string {
  const rows = items.map((a) => [a.id, a.status, a.severity, a.detector, a.team || '-', a.identity || '-', String(a.occurrences), a.lastSeen, a.assignee || '-']);
  const head = ['id', 'status', 'severity', 'detector', 'team', 'identity', 'count', 'last seen', 'assignee'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

interface ListOptions {
  status?: string[]; detector?: string[]; severity?: string[]; audience?: string[]; team?: string[];
  from?: string; to?: string; limit?: string; offset?: string; sort?: string; order?: string; json?: boolean;
}

function listCommand(): Command {
  return new Command('list')
    .description('What fired: alerts with their triage state, newest sighting first.')
    .option('--status <s...>', 'open, acknowledged, resolved, invalid, suppressed')
    .option('--detector <id...>', 'detector ids')
    .option('--severity <s...>', 'info, low, medium, high, critical')
    .option('--audience <a...>', 'soc, finops')
    .option('--team <t...>', 'team ids')
    .option('--from <iso>', 'incident window overlaps [from, to): ends after this time')
    .option('--to <iso>', 'incident window starts before this time')
    .option('--limit <n>', 'page size', '50')
    .option('--offset <n>', 'skip this many', '0')
    .option('--sort <field>', 'last_seen | severity | first_seen')
    .option('--order <dir>', 'asc | desc')
    .option('--json', 'one JSON document {items,total,countsByStatus}')
    .action(async (o: ListOptions, cmd: Command) => {
      const filter = parse(alertFilterSchema, { status: o.status, detector: o.detector, severity: o.severity, audience: o.audience, team: o.team, from: o.from, to: o.to });
      const page = parse(alertPageSchema, { limit: o.limit, offset: o.offset, sort: o.sort, order: o.order });
      const res = await withStore(cmd, (store) => listAlerts(store, filter, page));
      if (o.json) process.stdout.write(`${JSON.stringify(res)}\n`);
      else {
        process.stdout.write(`${table(res.items)}\n`);
        const counts = Object.entries(res.countsByStatus).map(([s, n]) => `${s}=${n}`).join(' ');
        process.stderr.write(`${res.items.length} of ${res.total} alert(s)${counts ? ` (${counts})` : ''}\n`);
      }
    });
}

function showCommand(): Command {
  return new Command('show')
    .description('One alert as JSON: evidence, controls, history, comments and deliveries.')
    .argument('<id>', 'alert id (dw-…)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const detail = await withStore(cmd, (store) => getAlert(store, id));
      if (!detail) throw new AppError('ALERT_NOT_FOUND', `no alert ${id}`, { id });
      process.stdout.write(`${JSON.stringify(detail, null, 2)}\n`);
    });
}

const actorOption = (c: Command) => c.option('--as <actor>', 'who is acting (default: $USER)');

function actionCommand(name: string, description: string, args: string[], build: (values: string[], opts: Record<string, string | undefined>) => unknown): Command {
  const c = new Command(name).description(description).argument('<id>', 'alert id (dw-…)');
  for (const a of args) c.argument(`<${a}>`);
  actorOption(c);
  return c.action(async (...params: unknown[]) => {
    const cmd = params.at(-1) as Command;
    const opts = params.at(-2) as { as?: string } & Record<string, string | undefined>;
    const [id, ...values] = params.slice(0, -2) as string[];
    const action: TriageAction = parse(triageActionSchema, build(values, opts));
    const actor = opts.as ?? process.env['USER'] ?? 'cli';
    const routes = routesOf(cliContext(cmd).config.alerts);
    const detail = await withStore(cmd, (store) => applyAction(store, id ?? '', action, actor, new Date(), routes));
    process.stdout.write(`${detail.id} ${detail.status}${detail.assignee ? ` assignee=${detail.assignee}` : ''}${detail.snoozedUntil ? ` snoozed until ${detail.snoozedUntil}` : ''}\n`);
  });
}

export function alertsCommand(): Command {
  return new Command('alerts')
    .description('List, inspect and triage alerts.')
    .addCommand(listCommand())
    .addCommand(showCommand())
    .addCommand(actionCommand('ack', 'Acknowledge an open alert.', [], () => ({ kind: 'ack' })))
    .addCommand(actionCommand('resolve', 'Resolve an alert (PagerDuty and others get a resolve event).', [], (_v, o) => ({ kind: 'resolve', note: o['note'] })).option('--note <text>', 'resolution note'))
    .addCommand(actionCommand('invalid', 'Mark an alert invalid (a false positive), with the reason.', ['reason'], ([reason]) => ({ kind: 'invalid', reason })))
    .addCommand(actionCommand('snooze', 'Hold notifications until a time.', ['until'], ([until]) => ({ kind: 'snooze', until })))
    .addCommand(actionCommand('assign', 'Assign an alert.', ['assignee'], ([assignee]) => ({ kind: 'assign', assignee })))
    .addCommand(actionCommand('comment', 'Add a comment.', ['text'], ([text]) => ({ kind: 'comment', text })))
    .addCommand(actionCommand('reopen', 'Re-open a resolved, invalid or suppressed alert.', [], () => ({ kind: 'reopen' })));
}
