import { FIXTURE_DAY } from '../../detectors/_shared/fixtures.ts';
import { litellmBy, PEOPLE } from '../../detectors/_shared/fixtures-logging.ts';
import { MORNING_HOURS, ORG_SIZES, ordinaryDay, spreadOverHour } from '../../detectors/_shared/fixtures-sizes.ts';
import type { SourceKind } from '../decode/types.ts';
import type { PlantedAlert } from './planted.ts';

/**
 * The small-organisation day (issue 14): team-web as a whole 5-person organisation at ~$1/day,
 * everything through the approved LiteLLM gateway, with the two incidents the fixed floors hid —
 * its day rising from a $1.17 median to $4.68, and its gateway storing no prompt for 45 of its 51
 * requests in hours that never reach 12. Kept apart from the planted day (planted-day.ts): a
 * different organisation, in its own store, whose alerts must be exactly these two.
 */

type Doc = Record<string, unknown>;
const DAY = 86_400_000;
const HISTORY_DAYS = 28;
const { dave } = PEOPLE;
const size = ORG_SIZES[0] as (typeof ORG_SIZES)[number];

export interface SmallOrgScenario {
  day: string;
  window: { from: Date; to: Date };
  records: Record<SourceKind, Doc[]>;
  planted: PlantedAlert[];
  /** What the day is, for the test's self-checks. */
  facts: { historyUsd: number[]; todayUsd: number; requests: number; unlogged: number; busiestHour: number };
}

const usd = (n: number) => Math.round(n * 10_000) / 10_000;

export function smallOrgDay(): SmallOrgScenario {
  const dayStart = Date.parse(`${FIXTURE_DAY}T00:00:00Z`);
  const iso = (ms: number) => new Date(ms).toISOString();
  // The four weeks before: two logged requests a day (10:00 and 15:00), the day's spend ±30 % around $1.17.
  const historyUsd = Array.from({ length: HISTORY_DAYS }, (_, i) => ordinaryDay(size.dailyUsd)(i + 1));
  const history = historyUsd.flatMap((dayUsd, i) => [10, 15].map((h) =>
    litellmBy(dave, iso(dayStart - (i + 1) * DAY + h * 3_600_000 + 5 * 60_000), { logged: true, overrides: { spend: usd(dayUsd / 2) } })));
  // The day: 51 requests over the morning, 88 % of each hour without its prompt, $4.68 in all.
  const requests = size.hourlyRequests.reduce((a, b) => a + b, 0);
  const perRequest = usd((4 * size.dailyUsd) / requests);
  let unlogged = 0;
  const today = MORNING_HOURS.flatMap((hour, i) => {
    const n = size.hourlyRequests[i] ?? 0;
    const bare = Math.round(n * 0.88);
    unlogged += bare;
    return spreadOverHour(hour, n).map((t, j) => litellmBy(dave, t, { logged: j >= bare, overrides: { spend: perRequest } }));
  });
  const at = (hhmm: string) => Date.parse(`${FIXTURE_DAY}T${hhmm}:00Z`);
  const planted: PlantedAlert[] = [
    {
      id: 'small-spend-rise', plantedAt: at('09:00'),
      detector: 'billing.spend-above-approved', entity: 'team:team-web:spend-baseline', team: 'team-web', identity: dave.email,
      incident: 'the 5-person organisation spends $4.68 against a $1.17 median day, no approved budget change',
    },
    {
      id: 'small-unlogged', plantedAt: at('09:00'),
      detector: 'gateway.prompt-log-gap', entity: 'team-web:unlogged-prompts', team: 'team-web', identity: dave.email, credential: dave.keyAlias,
      incident: 'its gateway stores no prompt for 45 of its 51 requests, in hours of at most 12',
    },
  ];
  return {
    day: FIXTURE_DAY,
    window: { from: new Date(dayStart), to: new Date(dayStart + DAY) },
    records: { gateway: [...history, ...today], billing: [], idp: [], agent: [] },
    planted,
    facts: { historyUsd, todayUsd: usd(perRequest * requests), requests, unlogged, busiestHour: Math.max(...size.hourlyRequests) },
  };
}
