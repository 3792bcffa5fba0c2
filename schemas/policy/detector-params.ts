import { z } from 'zod';

/**
 * The policy's `detectors:` section: per detector, parameter overrides for the whole organisation
 * and per team (issue 14). A small organisation lowers a floor, a team approved to opt out of
 * prompt storage raises a share, without touching the detector file:
 *
 *   detectors:
 *     billing.spend-above-approved:
 *       params: { minDailyUsd: 0.5 }
 *       teams:
 *         team-ml: { zThreshold: 5 }
 *
 * Only the shape is checked here: which params a detector has and what values fit them is declared
 * in the detector's own file, so the values are checked against the loaded detectors
 * (src/detect/param-overrides.ts, called by the policy loader with line:column like every error).
 */

const detectorId = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*$/, 'a detector id, <family>.<name>');
const teamId = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a team id of this policy');
const paramValues = z.record(z.string(), z.unknown());

export const detectorOverrides = z
  .object({
    /** Organisation-wide values, over the detector's defaults. */
    params: paramValues.default({}),
    /** Per team, over the organisation-wide values; the team's alerts are judged with these. */
    teams: z.record(teamId, paramValues).default({}),
  })
  .strict();

export const detectorParamsSection = z.record(detectorId, detectorOverrides).default({});

export type DetectorOverrides = z.output<typeof detectorOverrides>;
export type DetectorParamsSection = z.output<typeof detectorParamsSection>;
