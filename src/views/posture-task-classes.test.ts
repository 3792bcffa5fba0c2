import { describe, expect, it } from 'vitest';
import { deepMerge, at } from '../../detectors/_shared/fixtures.ts';
import { fixtureDay, kongRequest, litellmRequest, tokens } from '../../detectors/_shared/fixtures-finops.ts';
import routingDrift from '../../detectors/gateway/routing-drift.ts';
import { runCase } from '../detect/cases.ts';
import { sharedScratchStore } from '../detect/scratch-store.ts';
import { postureReport } from './posture.ts';

/**
 * The posture's models figure classifies gateway requests into task classes with a copy of
 * gateway.routing-drift's SQL (detector SQL takes no shared fragments: src/detect/sql.ts). This
 * proves the copy agrees: one request per rule of the example policy's classes (tags, key alias,
 * route, user agent, and their priority when several classes match), each served by a model of its
 * own that no class approves, so the detector flags every classified line; the detector's class and
 * the posture's class of each model must be the same, and what the policy says.
 */
const T = tokens({ uncached: 1_000, output: 100 });

/** Carol's LiteLLM key under an alias no class matches, so only the overrides classify it. */
const probe = (time: string, served: string, overrides: Record<string, unknown>) =>
  litellmRequest(at(time), 'carol', T, deepMerge({ model: served, model_group: served, request_tags: [], metadata: { user_api_key_alias: 'carol-notebook' } }, overrides));

const EXPECTED: Record<string, string> = {
  'probe-tag-chat': 'chat',
  // review is listed before chat: the better-ranked class wins whatever matched it.
  'probe-tags-review-and-chat': 'review',
  'probe-alias-review-over-tag-chat': 'review',
  'probe-route-review': 'review',
  'probe-route-chat': 'chat',
  'probe-agent-coding-over-tag-chat': 'coding',
  // Kong's sample carries a claude-cli user agent.
  'probe-kong-agent-coding': 'coding',
};

const records = [
  probe('14:01', 'probe-tag-chat', { request_tags: ['chat'] }),
  probe('14:02', 'probe-tags-review-and-chat', { request_tags: ['chat', 'code-review'] }),
  probe('14:03', 'probe-alias-review-over-tag-chat', { request_tags: ['chat'], metadata: { user_api_key_alias: 'data-review-bot' } }),
  probe('14:04', 'probe-route-review', { metadata: { user_api_key_request_route: '/review/pulls' } }),
  probe('14:05', 'probe-route-chat', { metadata: { user_api_key_request_route: '/v1/chat/completions' } }),
  probe('14:06', 'probe-agent-coding-over-tag-chat', { request_tags: ['chat'], metadata: { user_agent: 'claude-cli/2.1.0 (external, cli)' } }),
  kongRequest(at('14:07'), 'erin', T, { ai: { proxy: { meta: { request_model: 'probe-kong-agent-coding', response_model: 'probe-kong-agent-coding' } } } }),
  // No class: left out by both.
  probe('14:08', 'probe-no-class', { request_tags: ['misc'] }),
];

describe('posture models and gateway.routing-drift', () => {
  it('put every request in the same task class', async () => {
    const { alerts } = await runCase(routingDrift, { name: 'task classes', records: { gateway: records }, window: { from: at('14:00'), to: at('15:00') }, expect: 'none' });
    const byDetector = Object.fromEntries(alerts.map((a) => [a.evidence.figures['servedModel'] as string, a.evidence.figures['taskClass'] as string]));

    const { store } = await sharedScratchStore();
    const day = fixtureDay();
    const posture = await postureReport(store, { from: day.from.slice(0, 10), to: day.to.slice(0, 10), team: [] });
    const byPosture = Object.fromEntries(posture.teams.flatMap((t) => t.models).filter((m) => m.model.startsWith('probe-')).map((m) => [m.model, m.taskClass]));

    expect(byDetector).toEqual(EXPECTED);
    expect(byPosture).toEqual(EXPECTED);
  });
});
