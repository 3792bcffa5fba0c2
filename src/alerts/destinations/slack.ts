import { post } from './http.ts';
import { sampleLine, topFigures } from './payload.ts';
import type { Destination, Notification } from './types.ts';

/** Slack incoming webhook, Block Kit. The evidence itself is in the message, not only a link. */
export function slackMessage(n: Notification): Record<string, unknown> {
  const a = n.alert;
  const resolved = n.kind === 'resolve';
  const header = `${resolved ? 'Resolved: ' : ''}[${a.severity.toUpperCase()}] ${a.title}`.slice(0, 150);
  const impact = a.impactUsd === null ? 'n/a' : `$${a.impactUsd.toFixed(2)}`;
  const figures = topFigures(n);
  const sample = sampleLine(n);
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: header } },
    { type: 'section', text: { type: 'mrkdwn', text: a.summary.slice(0, 3000) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Identity*\n${a.identity || 'unattributed'}` },
        { type: 'mrkdwn', text: `*Team*\n${a.team || 'unattributed'}` },
        { type: 'mrkdwn', text: `*$ impact*\n${impact}` },
        { type: 'mrkdwn', text: `*Severity*\n${a.severity}` },
      ],
    },
  ];
  if (figures.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Evidence*\n${figures.map((f) => `• ${f}`).join('\n')}` } });
  if (sample) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Sample*\n\`\`\`${sample}\`\`\`` } });
  blocks.push(
    { type: 'section', text: { type: 'mrkdwn', text: `*Runbook*\n${(n.runbook ?? `see \`driftwatch detectors list\` for ${a.detector}`).slice(0, 2900)}` } },
    { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open alert' }, url: n.consoleUrl }] },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${a.detector} · ${a.entity} · ${n.occurrences} occurrence(s) · dedup ${n.dedupKey.slice(0, 12)}` }] },
  );
  return { text: header, blocks };
}

export class SlackDestination implements Destination {
  readonly type = 'slack';
  constructor(readonly name: string, private readonly url: string) {}

  async send(n: Notification, signal: AbortSignal): Promise<void> {
    await post(this.name, this.url, JSON.stringify(slackMessage(n)), {}, signal);
  }
}
