import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { bindsEarly, defineDetector, param, resolveParams, signalOf, type DetectorSpec, type ParamSpecs } from './define-detector.ts';
import { placeholders, sourcesOf, sql } from './sql.ts';

const base: DetectorSpec<ParamSpecs, { n: number }> = {
  id: 'gateway.example-volume',
  title: 'Example',
  description: 'Counts gateway requests.',
  severity: 'low',
  audience: 'finops',
  schedule: { every: '15m', lookback: '1h', settle: '5m' },
  requires: ['gateway'],
  controls: { owaspAgentic: ['ASI08'], maestro: ['L5'], nistAiRmf: ['MEASURE 2.7'], nistCsf: ['DE.CM-01'] },
  runbook: 'Check the team dashboard and confirm the volume with the team owner before acting.',
  falsePositives: ['Load tests'],
  params: { minRequests: param('UInt32', 10, 'floor') },
  query: sql`SELECT count() AS n FROM gateway_requests
             WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
             HAVING n >= {minRequests:UInt32}`,
  alert: (row) => ({ entity: 'x', team: '', identity: '', credential: '', summary: `${row.n}`, evidence: { figures: {} }, windowStart: new Date(0), windowEnd: new Date(1) }),
};

function problems(spec: unknown): string[] {
  try {
    defineDetector(spec as DetectorSpec<ParamSpecs, object>);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('DETECTOR_INVALID');
    return (err as AppError).context['issues'] as string[];
  }
  throw new Error('expected DETECTOR_INVALID');
}

describe('defineDetector', () => {
  it('takes an optional chart signal; without one, finops detectors chart spend and the others counts', () => {
    expect(signalOf(defineDetector(base))).toBe('spend');
    expect(signalOf(defineDetector({ ...base, audience: 'soc' }))).toBe('count');
    expect(signalOf(defineDetector({ ...base, audience: 'soc', signal: 'share' }))).toBe('share');
    expect(problems({ ...base, signal: 'pie' }).join('\n')).toMatch(/^signal:/m);
  });

  it('accepts valid metadata and derives sources and schedule in ms', () => {
    const d = defineDetector(base);
    expect(d.sources).toEqual(['gateway']);
    expect(d.scheduleMs).toEqual({ every: 900_000, lookback: 3_600_000, settle: 300_000, maxWait: 86_400_000, recheck: 86_400_000 });
    expect(d.schedule.maxWait).toBe('24h');
  });

  it('checks the batch contract: window placeholders only for batch detectors, window_end returned, reserved names', () => {
    const grid = sql`SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32}) AS window_end, count() AS n FROM gateway_requests
                     WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} - toIntervalSecond({lookback:UInt32})`;
    expect(defineDetector({ ...base, params: {}, batch: true, query: grid }).batch).toBe(true);
    expect(defineDetector(base).batch).toBe(false);
    expect(problems({ ...base, params: {}, query: grid }).join('\n')).toMatch(/\{every:…\} is only bound for batch detectors/);
    const text = problems({
      ...base,
      batch: true,
      params: { every: param('UInt32', 1, 'clashes') },
      query: sql`SELECT count() AS n FROM gateway_requests WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} + toIntervalSecond({lookback:UInt64})`,
    }).join('\n');
    expect(text).toMatch(/params\.every: "every" is bound by the runtime/);
    expect(text).toMatch(/\{lookback:…\} must be typed UInt32/);
    expect(text).toMatch(/must return a window_end column/);
  });

  it('binds {early:UInt8} only for an early detector whose query names it', () => {
    const gated = sql`SELECT count() AS n FROM gateway_requests
                      WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} AND {early:UInt8} = 0`;
    expect(bindsEarly(defineDetector({ ...base, params: {}, early: true, query: gated }))).toBe(true);
    expect(bindsEarly(defineDetector({ ...base, early: true }))).toBe(false);
    expect(problems({ ...base, params: {}, query: gated }).join('\n')).toMatch(/\{early:…\} is only bound for early detectors/);
    expect(problems({ ...base, params: {}, early: true, query: gated.replace('early:UInt8', 'early:UInt32') }).join('\n')).toMatch(/\{early:…\} must be typed UInt8/);
    expect(problems({ ...base, early: true, params: { early: param('UInt8', 0, 'clashes') }, query: gated }).join('\n')).toMatch(/params\.early: "early" is bound by the runtime/);
  });

  it('takes the sources that prompt early looks: every source read by default, a subset when named', () => {
    const both = sql`SELECT count() AS n FROM gateway_requests, provider_usage WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}`;
    expect(defineDetector({ ...base, early: true, query: both, params: {} }).earlyOn).toEqual(['gateway', 'billing']);
    expect(defineDetector({ ...base, early: true, query: both, params: {}, earlyOn: ['billing'] }).earlyOn).toEqual(['billing']);
    expect(problems({ ...base, earlyOn: ['gateway'] }).join('\n')).toMatch(/earlyOn: only an early detector/);
    expect(problems({ ...base, early: true, earlyOn: ['idp'] }).join('\n')).toMatch(/earlyOn\.0: "idp" prompts early looks but the query does not read its table/);
  });

  it('reports every metadata problem at once', () => {
    const issues = problems({
      ...base,
      severity: 'urgent',
      schedule: { every: '7m', lookback: '5m', settle: '0m' },
      requires: ['billing'],
      controls: { owaspAgentic: [], maestro: ['L9'], nistAiRmf: ['MEASURE'], nistCsf: ['DE.CM-1'] },
      runbook: 'todo',
      falsePositives: [],
      query: sql`SELECT 1 FROM gateway_requests WHERE event_time >= {from:DateTime} AND x = {teamId:String} FORMAT JSON`,
    });
    const text = issues.join('\n');
    for (const expected of [
      /severity/, /every must divide a day/, /lookback must be ≥ every/, /owaspAgentic/, /maestro/, /nistAiRmf/, /nistCsf/,
      /runbook/, /falsePositives/, /\{from:…\} must be typed DateTime64\(3\)/, /\{teamId:String\} is not a declared param/,
      /must filter on \{to:DateTime64\(3\)\}/, /no trailing FORMAT/, /requires "billing" but the query does not read its table/,
    ]) {
      expect(text).toMatch(expected);
    }
  });

  it('checks placeholder types against declared params and param defaults against their type', () => {
    const wrongType = problems({ ...base, query: sql`SELECT 1 FROM gateway_requests WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} LIMIT {minRequests:String}` });
    expect(wrongType.join()).toMatch(/declared UInt32/);
    const badDefault = problems({ ...base, params: { minRequests: { type: 'UInt8', default: 300, description: 'x' } } });
    expect(badDefault.join()).toMatch(/default does not fit UInt8/);
  });

  it('refuses interpolated SQL, at compile time and at run time', () => {
    const team = "x' OR 1=1 --";
    // @ts-expect-error — the sql tag accepts no interpolated values.
    expect(() => sql`SELECT * FROM gateway_requests WHERE team_id = '${team}'`).toThrow(/must not interpolate/);
  });

  it('resolves params: defaults, overrides, and type errors', () => {
    const d = defineDetector(base);
    expect(resolveParams(d)).toEqual({ minRequests: 10 });
    expect(resolveParams(d, { minRequests: 3 })).toEqual({ minRequests: 3 });
    expect(() => resolveParams(d, { minRequests: -1 })).toThrow(/must be UInt32/);
    expect(() => resolveParams(d, { nope: 1 })).toThrow(/has no param "nope"/);
  });
});

describe('sql helpers', () => {
  it('finds placeholders and the sources a query reads', () => {
    const q = 'SELECT * FROM provider_usage p JOIN agent_events a ON 1 WHERE t >= {from: DateTime64(3)} AND k IN {keys:Array(String)}';
    expect(placeholders(q)).toEqual([{ name: 'from', type: 'DateTime64(3)' }, { name: 'keys', type: 'Array(String)' }]);
    expect(sourcesOf(q)).toEqual(['billing', 'agent']);
    expect(sourcesOf('SELECT * FROM gateway_requests_hourly')).toEqual([]);
  });
});
