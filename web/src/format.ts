/** How numbers and times read on every page; one place so the test can match what the API says. */

const usdFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const intFmt = new Intl.NumberFormat('en-US');

export const usd = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : usdFmt.format(v));
export const int = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : intFmt.format(v));
export const pct = (share: number | null | undefined): string => (share === null || share === undefined ? '—' : `${(share * 100).toFixed(1)}%`);
/** UTC, to the minute: analysts compare times across sources and alerts, which are all UTC. */
export const time = (iso: string | null | undefined): string => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—');
export const seconds = (s: number | null | undefined): string => {
  if (s === null || s === undefined) return '—';
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
};

/** YYYY-MM-DD of a Date, UTC. */
export const day = (d: Date): string => d.toISOString().slice(0, 10);
export const addDays = (d: Date, n: number): Date => new Date(d.getTime() + n * 86_400_000);

/** The default period of the period pages: the last seven UTC days and today. */
export function defaultPeriod(now = new Date()): { from: string; to: string } {
  return { from: day(addDays(now, -7)), to: day(addDays(now, 1)) };
}
