import type { DetectorOverrides, DetectorParamsSection } from '../../schemas/policy/detector-params.ts';
import { AppError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { paramsOverrideSchema, resolveParams, type AnyDetector, type ParamValues, type ParamSpecs } from './define-detector.ts';

/**
 * Policy overrides of detector parameters (the policy's `detectors:` section): checked against each
 * detector's own declaration when the policy is loaded, read back from the policy in force
 * (policy_detector_params, 0023) when a detector runs, and turned into the parameter sets it runs
 * with — the organisation's, and one per team that has its own.
 */

export interface OverrideIssue {
  path: (string | number)[];
  message: string;
}

/** Every problem of the section against the detectors and teams, each at the path of the field to fix. */
export function overrideIssues(section: DetectorParamsSection, detectors: readonly AnyDetector[], teamIds: ReadonlySet<string>): OverrideIssue[] {
  const byId = new Map(detectors.map((d) => [d.id, d]));
  const issues: OverrideIssue[] = [];
  for (const [id, o] of Object.entries(section)) {
    const detector = byId.get(id);
    if (!detector) {
      issues.push({ path: ['detectors', id], message: `unknown detector "${id}"; known: ${[...byId.keys()].sort().join(', ')}` });
      continue;
    }
    const schema = paramsOverrideSchema(detector.params);
    const check = (values: Record<string, unknown>, at: (string | number)[]) => {
      const r = schema.safeParse(values);
      if (r.success) return;
      for (const i of r.error.issues) {
        if (i.code === 'unrecognized_keys') {
          for (const k of i.keys) issues.push({ path: [...at, k], message: `${id} has no param "${k}"; it has ${Object.keys(detector.params).join(', ')}` });
        } else {
          issues.push({ path: [...at, ...i.path.filter((p): p is string | number => typeof p !== 'symbol')], message: i.message });
        }
      }
    };
    check(o.params, ['detectors', id, 'params']);
    for (const [team, values] of Object.entries(o.teams)) {
      if (!teamIds.has(team)) issues.push({ path: ['detectors', id, 'teams', team], message: `unknown team "${team}"` });
      check(values, ['detectors', id, 'teams', team]);
    }
  }
  return issues;
}

// The policy version is a hash of the policy's rows (src/policy/sync.ts): one version's overrides never change, so
// they are read once per version and detector, not once per run (the scheduler runs every detector hourly).
const byVersion = new Map<string, DetectorOverrides>();

/**
 * The overrides of one detector in the policy in force. `policyVersion` (when the caller knows it)
 * lets a version's overrides be read once.
 */
export async function readOverrides(store: Store, detectorId: string, policyVersion = ''): Promise<DetectorOverrides> {
  const key = `${policyVersion}\n${detectorId}`;
  const known = policyVersion ? byVersion.get(key) : undefined;
  if (known) return known;
  const read = await queryOverrides(store, detectorId);
  if (policyVersion) byVersion.set(key, read);
  return read;
}

async function queryOverrides(store: Store, detectorId: string): Promise<DetectorOverrides> {
  const res = await store.client.query({
    query: 'SELECT team_id, params FROM policy_detector_params WHERE detector_id = {id:String} ORDER BY team_id',
    query_params: { id: detectorId },
    format: 'JSONEachRow',
  });
  const out: DetectorOverrides = { params: {}, teams: {} };
  for (const row of await res.json<{ team_id: string; params: string }>()) {
    const values = JSON.parse(row.params) as Record<string, unknown>;
    if (row.team_id === '') out.params = values;
    else out.teams[row.team_id] = values;
  }
  return out;
}

export interface ParamSet {
  /** `default`, `policy` or `policy team <id>`: cited in the alert's evidence. */
  scope: string;
  /** The team this set judges; '' = every team without its own set. */
  team: string;
  params: ParamValues<ParamSpecs>;
}

/**
 * The parameter sets a detector runs with: defaults < `base` (a caller's, e.g. a fixture case) <
 * the policy's organisation-wide values < a team's values. An alert of team T comes from T's set
 * if it has one, else from the organisation's: each team is judged with exactly one set.
 */
export function paramSets(detector: AnyDetector, base: Record<string, unknown> | undefined, overrides: DetectorOverrides): ParamSet[] {
  const resolve = (values: Record<string, unknown>, scope: string): ParamValues<ParamSpecs> => {
    try {
      return resolveParams(detector, { ...base, ...overrides.params, ...values });
    } catch (err) {
      // The loader checks the policy against the detectors; this is a policy synced without them.
      throw new AppError('POLICY_INVALID', `policy detectors.${detector.id} (${scope}): ${(err as Error).message}`, { detector: detector.id }, false, { cause: err });
    }
  };
  const orgScope = Object.keys(overrides.params).length > 0 ? 'policy' : 'default';
  return [
    { scope: orgScope, team: '', params: resolve({}, orgScope) },
    ...Object.entries(overrides.teams).map(([team, values]) => ({ scope: `policy team ${team}`, team, params: resolve(values, `team ${team}`) })),
  ];
}

/** Whether an alert of `team` belongs to the run with `set` (see paramSets). */
export function judgedBy(set: ParamSet, team: string, teamsWithOwnSet: ReadonlySet<string>): boolean {
  return set.team === '' ? !teamsWithOwnSet.has(team) : team === set.team;
}
