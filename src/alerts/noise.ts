import type { PolicyException } from '../../schemas/policy/policy.ts';
import { globMatches } from '../policy/glob.ts';
import type { Store } from '../store/store.ts';
import { clickHouseTime, fromClickHouseTime } from '../detect/windows.ts';
import type { TriageStatus } from './schemas.ts';
import { selectRows } from '../store/select-rows.ts';

/** Noise control: approved exceptions from the policy, and the suppression window. */

export type AlertException = Pick<PolicyException, 'id' | 'detector' | 'entity' | 'reason' | 'owner' | 'expires'>;

/** The exception in force for this detector + entity at `now`, if any (the first one listed). */
export function exceptionFor(exceptions: readonly AlertException[], detector: string, entity: string, now: Date): AlertException | undefined {
  return exceptions.find((e) => Date.parse(e.expires) > now.getTime() && globMatches(e.detector, detector) && globMatches(e.entity, entity));
}

export function exceptionReason(e: AlertException): string {
  return `exception ${e.id}: ${e.reason} (owner ${e.owner}, expires ${new Date(e.expires).toISOString()})`;
}

export interface Anchor {
  id: string;
  fingerprint: string;
  status: TriageStatus;
  lastSeen: Date;
}

/**
 * The alert a new firing of detector + entity is grouped into: the most recently seen one of the
 * same detector and entity whose last sighting is within `windowMs` of `firedAt`, that is not
 * itself a grouped duplicate, and that no analyst marked invalid (an invalid alert must not
 * silence a new incident) nor an exception suppressed.
 */
export async function findAnchor(store: Store, detector: string, entity: string, excludeId: string, firedAt: Date, windowMs: number): Promise<Anchor | undefined> {
  if (windowMs <= 0) return undefined;
  const [row] = await selectRows<{ id: string; fingerprint: string; status: string; seen: string }>(
    store,
    `SELECT a.id AS id, a.fingerprint AS fingerprint, if(t.alert_id = '', a.status, t.status) AS status,
                   greatest(a.last_seen, if(t.alert_id = '', a.last_seen, t.last_fired)) AS seen
            FROM alerts AS a FINAL
            LEFT JOIN (SELECT * FROM alert_triage FINAL) AS t ON t.alert_id = a.id
            WHERE a.detector = {detector:String} AND a.entity = {entity:String} AND a.id != {id:String}
              AND t.alert_id != '' AND t.grouped_into = '' AND status NOT IN ('invalid', 'suppressed')
              AND seen >= {since:DateTime64(3, 'UTC')} AND seen <= {at:DateTime64(3, 'UTC')}
            ORDER BY seen DESC LIMIT 1
            SETTINGS join_use_nulls = 0`,
    { detector, entity, id: excludeId, since: clickHouseTime(firedAt.getTime() - windowMs), at: clickHouseTime(firedAt) },
  );
  return row ? { id: row.id, fingerprint: row.fingerprint, status: row.status as TriageStatus, lastSeen: fromClickHouseTime(row.seen) } : undefined;
}
