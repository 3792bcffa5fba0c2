import { describe, expect, it } from 'vitest';
import { Lanes } from './lanes.ts';

/** A task that runs until released by hand, recording what ran beside what. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((r) => { open = r; });
  return { open, done };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('Lanes', () => {
  it('runs up to `size` tasks side by side, each on a lane of its own, opened when first needed', async () => {
    let opened = 0;
    const lanes = new Lanes(2, async () => `lane${++opened}`);
    const gates = [gate(), gate(), gate()];
    const seen: string[] = [];
    const runs = gates.map((g, i) => lanes.run(async (lane) => { seen.push(`${i}@${lane}`); await g.done; return i; }));
    await flush();
    expect(lanes.busy).toBe(2);
    expect(seen.map((s) => s.split('@')[0])).toEqual(['0', '1']);
    expect(new Set(seen.map((s) => s.split('@')[1])).size).toBe(2);
    gates[1]?.open();
    await flush();
    // The third takes the lane the second left; no third lane is opened.
    expect(seen).toHaveLength(3);
    expect(seen[2]?.split('@')[1]).toBe(seen[1]?.split('@')[1]);
    expect(opened).toBe(2);
    gates[0]?.open();
    gates[2]?.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(lanes.opened()).toHaveLength(2);
  });

  it('runs exclusive work alone: after the running tasks, before the ones asked for after it', async () => {
    const lanes = new Lanes(2, async () => ({}));
    const order: string[] = [];
    const a = gate();
    const first = lanes.run(async () => { order.push('a start'); await a.done; order.push('a end'); });
    await flush();
    const sweep = lanes.exclusive(async () => { order.push(`sweep with ${lanes.busy} running`); });
    const later = lanes.run(async () => { order.push('b'); });
    await flush();
    // A lane is free, yet b waits: the sweep was asked for first and waits for a.
    expect(order).toEqual(['a start']);
    a.open();
    await Promise.all([first, sweep, later]);
    expect(order).toEqual(['a start', 'a end', 'sweep with 1 running', 'b']);
  });

  it('starts urgent work before the ordinary work waiting, but not before exclusive or urgent work asked for earlier', async () => {
    const lanes = new Lanes(1, async () => ({}));
    const order: string[] = [];
    const a = gate();
    const running = lanes.run(async () => { await a.done; order.push('a'); });
    await flush();
    const asked = [
      lanes.run(async () => { order.push('catch-up 1'); }),
      lanes.run(async () => { order.push('early 1'); }, { urgent: true }),
      lanes.exclusive(async () => { order.push('sweep'); }),
      lanes.run(async () => { order.push('catch-up 2'); }),
      lanes.run(async () => { order.push('early 2'); }, { urgent: true }),
      lanes.run(async () => { order.push('early 3'); }, { urgent: true }),
    ];
    a.open();
    await Promise.all([running, ...asked]);
    expect(order).toEqual(['a', 'early 1', 'catch-up 1', 'sweep', 'early 2', 'early 3', 'catch-up 2']);
  });

  it('passes a task failure to its caller and frees the lane', async () => {
    const lanes = new Lanes(1, async () => ({}));
    await expect(lanes.run(async () => { throw new Error('query failed'); })).rejects.toThrow('query failed');
    await expect(lanes.run(() => { throw new Error('thrown at once'); })).rejects.toThrow('thrown at once');
    expect(await lanes.run(async () => 'next')).toBe('next');
    expect(lanes.busy).toBe(0);
  });

  it('fails what waits when no lane can be opened, and tries again on the next ask', async () => {
    let attempts = 0;
    const lanes = new Lanes(2, async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('store unavailable');
      return 'lane';
    });
    await expect(lanes.run(async () => 'x')).rejects.toThrow('store unavailable');
    expect(await lanes.run(async (lane) => lane)).toBe('lane');
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new Lanes(0, async () => ({}))).toThrow(RangeError);
    expect(() => new Lanes(1.5, async () => ({}))).toThrow(RangeError);
  });
});
