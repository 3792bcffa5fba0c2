import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { at } from '../_shared/fixtures.ts';
import { apiRequestFrom } from '../_shared/fixtures-boundaries.ts';
import { PEOPLE, every, litellmBy, type Person } from '../_shared/fixtures-logging.ts';
import { SIZE_WINDOW, busyMorning, sizeMatrix, type OrgSize } from '../_shared/fixtures-sizes.ts';
import detector from './entry-path-drift.ts';

const HOUR = { from: at('14:00'), to: at('15:00') };
const { alice, carol, dave } = PEOPLE;

type Surface = Parameters<typeof apiRequestFrom>[3];
/** `count` api_requests of one session from `start`, a minute apart, and its gateway rows when it went through LiteLLM. */
function session(p: Person, start: string, count: number, o: { gateway: boolean; surface?: Surface }): { agent: object[]; gateway: object[] } {
  const id = crypto.randomUUID();
  const times = every(start, count, 60);
  return {
    agent: times.map((t) => apiRequestFrom(p, t, id, o.surface ?? {})),
    gateway: o.gateway ? times.map((t) => litellmBy(p, t, { session: id })) : [],
  };
}
function records(...sessions: { agent: object[]; gateway: object[] }[]) {
  return { agent: sessions.flatMap((s) => s.agent), gateway: sessions.flatMap((s) => s.gateway) };
}

/** Governed history (here: the day before) for three teams. */
const history = [
  session(alice, at('09:00', -1), 12, { gateway: true }),
  session(carol, at('10:00', -1), 12, { gateway: true }),
  session(dave, at('11:00', -1), 12, { gateway: true }),
];

detectorCases(detector, [
  {
    name: 'fires per team on a rising share through an unapproved surface, a direct key and a cloud provider',
    records: records(
      ...history,
      session(alice, at('14:05'), 3, { gateway: true }),
      // alice moves to the desktop app (still through the gateway): the surface is not approved.
      session(alice, at('14:10'), 6, { gateway: true, surface: { service: 'claude-code-desktop' } }),
      session(carol, at('14:05'), 2, { gateway: true }),
      // carol's Claude Code goes straight to the provider on an API key (no Claude account in the telemetry).
      session(carol, at('14:20'), 6, { gateway: false }),
      // dave runs Claude Code on Bedrock directly: no gateway, no client_request_id.
      session(dave, at('14:30'), 5, { gateway: false, surface: { viaCloud: true } }),
    ),
    window: HOUR,
    expect: [
      {
        entity: 'team-data:path:direct-api-key', team: 'team-data', identity: 'carol.nguyen@example.com',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ windowRequests: 6, windowTotal: 8, share: 0.75, historyRequests: 0, historyTotal: 12, historyShare: 0 });
          expect(a.windowStart).toBe(at('00:00:00.000'));
          expect(a.evidence.samples?.length).toBe(3);
        },
      },
      { entity: 'team-platform-eng:service:claude-code-desktop', team: 'team-platform-eng', identity: 'alice@example.com', check: (a) => expect(a.evidence.figures).toMatchObject({ windowRequests: 6, windowTotal: 9 }) },
      { entity: 'team-web:path:cloud-provider', team: 'team-web', identity: 'dave.kim@example.com', check: (a) => expect(a.summary).toMatch(/100 % of its Claude Code model requests in the hour \(5 of 5\)/) },
    ],
  },
  {
    name: 'quiet when the share does not rise over history, the team has no history, or the policy approves the path',
    records: records(
      // carol: the same share of direct-key work in her history as now.
      session(carol, at('10:00', -1), 10, { gateway: true }),
      session(carol, at('11:00', -1), 10, { gateway: false }),
      session(carol, at('14:05'), 5, { gateway: true }),
      session(carol, at('14:20'), 5, { gateway: false }),
      // alice: no history at all.
      session(alice, at('14:10'), 6, { gateway: false }),
      // dave: on Bedrock, which the policy edit below approves for team-web.
      session(dave, at('11:00', -1), 12, { gateway: true }),
      session(dave, at('14:30'), 6, { gateway: false, surface: { viaCloud: true } }),
      // 2 of the hour's 8 on cursor against none in 12 before: not significant (binomial p ≈ 0.1)
      session(dave, at('14:40'), 2, { gateway: true, surface: { terminal: 'cursor' } }),
    ),
    window: HOUR,
    policy: (p) => ({
      ...p,
      agentBoundaries: { ...p.agentBoundaries, surfaces: { ...p.agentBoundaries.surfaces, teams: [{ team: 'team-web', paths: ['approved-gateway', 'cloud-provider'], terminals: ['iTerm.app'] }] } },
    }),
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): alice's team's working morning, today and the day before, in the size's
 * sessions, each through the gateway; the planted incident is half the requests from 12:00 on coming
 * from the desktop app. The 5-person team's 14:00 hour (half of 8, against the desktop requests of 12:00
 * and 13:00 in its history) is not evidence alone and is judged on its day so far (a quarter of 51,
 * against none the day before); the larger teams' hours are (40 of 80, 400 of 800).
 */
function sizedMorning(size: OrgSize, daysAgo: number, surface: (time: string, i: number) => Surface = () => ({})) {
  const sessions = Array.from({ length: size.activeSessions }, () => crypto.randomUUID());
  const times = busyMorning(size).map((t) => new Date(Date.parse(t) - daysAgo * 86_400_000).toISOString());
  return {
    agent: times.map((t, i) => apiRequestFrom(alice, t, sessions[i % sessions.length] ?? '', surface(t, i))),
    // One gateway request carrying each session id governs the session.
    gateway: sessions.map((session, i) => litellmBy(alice, times[i] ?? at('09:00'), { session })),
  };
}
const desktopFromNoon = (t: string, i: number): Surface => (t >= at('12:00') && i % 2 === 0 ? { service: 'claude-code-desktop' } : {});

detectorCases(detector, sizeMatrix((size) => {
  const yesterday = sizedMorning(size, 1);
  return [
    {
      name: 'fires on half the team moving to an unapproved surface at noon',
      records: records(yesterday, sizedMorning(size, 0, desktopFromNoon)),
      window: SIZE_WINDOW,
      expect: [{
        entity: 'team-platform-eng:service:claude-code-desktop', team: 'team-platform-eng', identity: 'alice@example.com',
        check: (a) => expect(a.evidence.figures).toMatchObject({ judgedOver: size.people === 5 ? 'day so far' : 'hour' }),
      }],
    },
    { name: 'quiet when the team stays on its approved surface', records: records(yesterday, sizedMorning(size, 0)), window: SIZE_WINDOW, expect: 'none' },
  ];
}));
