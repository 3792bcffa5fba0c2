import { describe, expect, it } from 'vitest';
import { CONTROLS, citedControls, controlOf, FRAMEWORKS } from './controls.ts';
import { controlsSchema } from './define-detector.ts';
import { loadDetectors } from './registry.ts';

describe('framework control catalog', () => {
  it('names every control any detector cites', async () => {
    const detectors = await loadDetectors();
    expect(detectors.length).toBeGreaterThan(0);
    const missing = detectors.flatMap((d) => citedControls(d.controls).filter((c) => !controlOf(c.framework, c.id)).map((c) => `${d.id}: ${c.framework} ${c.id}`));
    expect(missing).toEqual([]);
  });

  it('holds ids the detector metadata schema accepts, once each, with a name', () => {
    const seen = new Set<string>();
    for (const c of CONTROLS) {
      const key = `${c.framework} ${c.id}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
      expect(c.name.trim().length, key).toBeGreaterThan(3);
      const probe = { owaspAgentic: ['ASI01'], maestro: ['L1'], nistAiRmf: ['MAP 1.1'], nistCsf: ['ID.AM-01'], [c.framework]: [c.id] };
      expect(controlsSchema.safeParse(probe).success, key).toBe(true);
    }
    expect(Object.keys(FRAMEWORKS).every((f) => CONTROLS.some((c) => c.framework === f))).toBe(true);
    expect(CONTROLS.filter((c) => c.framework === 'owaspAgentic')).toHaveLength(10);
  });
});
