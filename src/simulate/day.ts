import { chatCalls, claudeSession, int, reviewBotCalls, type Call, type Rng, type Session, type SessionSpec } from './traffic.ts';
import { MODELS, PEOPLE, REVIEW_BOT_KEY, type PersonName } from './world.ts';

/**
 * A normal working day of the four teams, governed end to end: every Claude Code session goes
 * through an approved gateway (LiteLLM or Kong) on a key whose owner is known, with prompts
 * logged, approved models for its task class, approved tools; the chat assistant and the review
 * bot likewise. The same schedule, with its own jitter, makes the history days and the planted
 * day, so the planted day's baselines are the team's real habits.
 *
 * Europe-based teams (platform, data, web) work ~07:30–18:00 UTC, team-ml ~13:00–22:00 UTC.
 */

export interface Slot {
  id: string;
  person: PersonName;
  start: string;
  minutes: number;
  spec?: Partial<SessionSpec>;
}

export const SCHEDULE: readonly Slot[] = [
  { id: 'alice-early', person: 'alice', start: '07:30', minutes: 90 },
  { id: 'alice-kong', person: 'alice', start: '10:00', minutes: 90, spec: { via: 'kong' } },
  { id: 'alice-afternoon', person: 'alice', start: '13:00', minutes: 120 },
  { id: 'alice-late', person: 'alice', start: '16:20', minutes: 30 },
  { id: 'dana-morning', person: 'dana', start: '08:00', minutes: 90 },
  { id: 'dana-midday', person: 'dana', start: '11:00', minutes: 120 },
  { id: 'dana-afternoon', person: 'dana', start: '14:30', minutes: 90 },
  { id: 'carol-morning', person: 'carol', start: '08:00', minutes: 120 },
  { id: 'carol-midday', person: 'carol', start: '11:00', minutes: 90 },
  { id: 'carol-afternoon', person: 'carol', start: '14:00', minutes: 60 },
  { id: 'omar-morning', person: 'omar', start: '08:00', minutes: 120 },
  { id: 'omar-late-morning', person: 'omar', start: '10:30', minutes: 90 },
  { id: 'dave-morning', person: 'dave', start: '09:00', minutes: 150 },
  { id: 'dave-afternoon', person: 'dave', start: '13:30', minutes: 150 },
  { id: 'erin-kong-1', person: 'erin', start: '13:00', minutes: 120, spec: { via: 'kong' } },
  { id: 'erin-kong-2', person: 'erin', start: '16:00', minutes: 120, spec: { via: 'kong' } },
  { id: 'erin-evening', person: 'erin', start: '19:00', minutes: 120 },
  // team-ml: Sonnet on Bedrock through LiteLLM, Opus (approved for team-ml by override), Sonnet.
  { id: 'frank-bedrock', person: 'frank', start: '14:00', minutes: 120, spec: { model: MODELS.sonnetBedrock } },
  { id: 'frank-opus', person: 'frank', start: '17:00', minutes: 120, spec: { model: MODELS.opus } },
  { id: 'frank-evening', person: 'frank', start: '20:00', minutes: 120 },
];

const HOUR = 3_600_000;
export const clock = (dayStart: number, hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return dayStart + h * HOUR + m * 60_000;
};

export interface DayTraffic {
  sessions: Session[];
  /** Every model call: the sessions' and the chat assistant's and review bot's. */
  calls: Call[];
}

/**
 * The day's traffic. `overrides` replaces a slot's session (by slot id) with other sessions — the
 * planted day uses it to change what one person did in one slot; `exact` slots get no jitter.
 */
export function dayTraffic(r: Rng, dayStart: number, overrides: Record<string, (start: number, end: number) => Session[]> = {}): DayTraffic {
  const sessions: Session[] = [];
  for (const slot of SCHEDULE) {
    const jitter = int(r, -6, 6) * 60_000;
    const start = clock(dayStart, slot.start) + jitter;
    const end = start + slot.minutes * 60_000 * (0.9 + 0.2 * r());
    const replace = overrides[slot.id];
    if (replace) {
      sessions.push(...replace(clock(dayStart, slot.start), clock(dayStart, slot.start) + slot.minutes * 60_000));
      continue;
    }
    sessions.push(claudeSession(r, { person: PEOPLE[slot.person], start, end, via: 'litellm', ...slot.spec }));
  }
  const { alice, dana, carol, omar } = PEOPLE;
  const calls: Call[] = [
    ...sessions.flatMap((s) => s.calls),
    ...chatCalls(r, alice, dayStart, [8, 17]),
    ...chatCalls(r, dana, dayStart, [8, 17]),
    ...chatCalls(r, carol, dayStart, [8, 17]),
    ...chatCalls(r, omar, dayStart, [8, 12]),
    ...reviewBotCalls(r, REVIEW_BOT_KEY, PEOPLE.dave, dayStart, [15, 17]),
  ];
  return { sessions, calls };
}
