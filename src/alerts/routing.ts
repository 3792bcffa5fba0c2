import type { RouteConfig } from '../config/schema.ts';
import { globMatches } from '../policy/glob.ts';

/** Which destinations an alert goes to: the union of every route whose match it satisfies. */

export interface Routable {
  detector: string;
  severity: string;
  audience: string;
  team: string;
}

export type Route = Pick<RouteConfig, 'destinations'> & { match: Partial<Record<keyof Routable, readonly string[]>> };

function fieldMatches(patterns: readonly string[] | undefined, value: string): boolean {
  // Detector ids are matched as globs (`billing.*`); an absent field matches everything.
  return patterns === undefined || patterns.some((p) => globMatches(p, value));
}

export function destinationsFor(alert: Routable, routes: readonly Route[]): string[] {
  const out = new Set<string>();
  for (const route of routes) {
    const m = route.match;
    if (fieldMatches(m.detector, alert.detector) && fieldMatches(m.severity, alert.severity)
      && fieldMatches(m.audience, alert.audience) && fieldMatches(m.team, alert.team)) {
      for (const d of route.destinations) out.add(d);
    }
  }
  return [...out];
}
