import { describe, expect, it, vi } from 'vitest';
import { appendFileSync, copyFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { sharedScratchStore, scratchDir } from '../../src/detect/scratch-store.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../../src/policy/load.ts';
import { syncPolicy } from '../../src/policy/sync.ts';
import { policyTracker } from '../../src/service/detect-role.ts';
import type { Policy } from '../../schemas/policy/policy.ts';
import { createLogger } from '../../src/telemetry/logger.ts';

/**
 * A policy file edited while the service runs: the tracker syncs it before the next cycle and hands
 * the new policy to the service, which takes its alert exceptions from it (role-factories.ts), so an
 * exception approved today suppresses today's alerts without a restart. An invalid edit changes nothing.
 */
describe('policy reload', () => {
  it('hands each newly synced policy to onChange, and keeps the last good one on an invalid edit', async () => {
    const { store } = await sharedScratchStore();
    const file = join(scratchDir('policy-reload'), 'policy.yaml');
    copyFileSync(EXAMPLE_POLICY_FILE, file);
    const { version } = await syncPolicy(store, loadPolicyFile(file).policy, file);
    const changed = vi.fn<(policy: Policy) => void>();
    const tracker = policyTracker(store, file, version, createLogger('silent'), changed);
    expect(await tracker()).toBe(version);
    expect(changed).not.toHaveBeenCalled();

    appendFileSync(file, `
exceptions:
  - id: exc-lab
    detector: "cross-source.*"
    entity: "key:lab-*"
    reason: research lab key, approved by the CISO
    owner: ciso@example.com
    expires: 2026-12-31T00:00:00Z
`);
    utimesSync(file, new Date('2026-10-20T10:00:00Z'), new Date('2026-10-20T10:00:00Z'));
    // Exceptions are not synced into tables, so the version (a hash of the synced rows) stays.
    expect(await tracker()).toBe(version);
    expect(changed).toHaveBeenCalledTimes(1);
    expect(changed.mock.calls[0]?.[0].exceptions?.map((e) => e.id)).toEqual(['exc-lab']);

    appendFileSync(file, '\nnot: valid: yaml: [\n');
    utimesSync(file, new Date('2026-10-20T11:00:00Z'), new Date('2026-10-20T11:00:00Z'));
    expect(await tracker()).toBe(version);
    expect(changed).toHaveBeenCalledTimes(1);
  });
});
