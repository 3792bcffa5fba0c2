import type { Alert } from './alerts.ts';

/**
 * How alerts leave the process: one JSON object per line on stdout (for pipes and SIEMs), and a
 * table on stderr for the person at the terminal.
 */

/** The JSON line: every alert field, with the ones the issue requires first. */
export function alertJson(alert: Alert, extra: Record<string, unknown> = {}): string {
  const { detector, fingerprint, severity, team, identity, entity, windowStart, windowEnd, ...rest } = alert;
  return JSON.stringify({ detector, fingerprint, severity, team, identity, entity, windowStart, windowEnd, ...rest, ...extra });
}

function cell(value: string, width: number): string {
  const v = value.replace(/\s+/g, ' ');
  return v.length > width ? `${v.slice(0, width - 1)}…` : v.padEnd(width);
}

export function table(headers: string[], rows: string[][], maxWidths: number[] = []): string {
  const widths = headers.map((h, i) => Math.min(maxWidths[i] ?? 60, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (r: string[]) => r.map((v, i) => cell(v, widths[i] ?? 10)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function alertTable(alerts: readonly Alert[]): string {
  const window = (a: Alert) => `${a.windowStart.slice(0, 16).replace('T', ' ')} → ${a.windowEnd.slice(0, 16).replace('T', ' ')}`;
  return table(
    ['SEVERITY', 'DETECTOR', 'TEAM', 'IDENTITY', 'ENTITY', 'WINDOW (UTC)', 'SUMMARY'],
    alerts.map((a) => [a.severity, a.detector, a.team || '-', a.identity || '-', a.entity, window(a), a.summary]),
    [8, 40, 20, 30, 48, 35, 80],
  );
}
