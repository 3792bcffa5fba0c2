import { z } from 'zod';

/**
 * A detector's typed parameters: their ClickHouse types (as the query's placeholders name them),
 * defaults, and the zod schemas that check a default when the file loads and every policy override
 * (`detectors.<id>.params` / `.teams.<team>`) when the policy loads.
 */

export type ParamType = 'String' | 'UInt8' | 'UInt16' | 'UInt32' | 'UInt64' | 'Int32' | 'Int64' | 'Float64' | 'Array(String)';
export type ParamValue<T extends ParamType> = T extends 'String' ? string : T extends 'Array(String)' ? readonly string[] : number;

export interface ParamSpec<T extends ParamType = ParamType> {
  readonly type: T;
  readonly default: ParamValue<T>;
  readonly description: string;
  /** Narrower than the ClickHouse type (a share in [0, 1], a positive floor): checked on the default and every override. */
  readonly schema?: z.ZodType;
}
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;
export type ParamValues<P extends ParamSpecs> = { readonly [K in keyof P]: ParamValue<P[K]['type']> };

/**
 * A detector parameter: its ClickHouse type (as written in the query), default and meaning, and
 * optionally a zod schema its values must also satisfy (`z.number().min(0).max(1)` for a share).
 * Policy overrides (`detectors.<id>.params` / `.teams.<team>`) are validated against both.
 */
export function param<T extends ParamType>(type: T, defaultValue: ParamValue<T>, description: string, schema?: z.ZodType): ParamSpec<T> {
  return schema ? { type, default: defaultValue, description, schema } : { type, default: defaultValue, description };
}

const INT_RANGES: Record<string, [number, number]> = {
  UInt8: [0, 255], UInt16: [0, 65_535], UInt32: [0, 4_294_967_295], UInt64: [0, Number.MAX_SAFE_INTEGER],
  Int32: [-2_147_483_648, 2_147_483_647], Int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** The zod schema a value of a parameter must satisfy: its ClickHouse type, then its own schema. */
export function paramSpecValueSchema(spec: Pick<ParamSpec, 'type' | 'schema'>): z.ZodType {
  const base = paramValueSchema(spec.type);
  const own = spec.schema;
  return own ? base.pipe(own) : base;
}

/** Overrides of a detector's params as the policy gives them: any subset, nothing unknown. */
export function paramsOverrideSchema(params: ParamSpecs): z.ZodType<Record<string, unknown>> {
  return z.object(Object.fromEntries(Object.entries(params).map(([name, spec]) => [name, paramSpecValueSchema(spec).optional()]))).strict();
}

/** The zod schema a value of a ClickHouse parameter type must satisfy. */
export function paramValueSchema(type: ParamType): z.ZodType {
  if (type === 'String') return z.string();
  if (type === 'Array(String)') return z.array(z.string());
  if (type === 'Float64') return z.number().finite();
  const [min, max] = INT_RANGES[type] as [number, number];
  return z.number().int().min(min).max(max);
}

const nonEmpty = z.string().trim().min(1);

/** A declared parameter as written in a detector file; its default must fit its own type. */
export const paramSpecSchema = z
  .object({
    type: z.enum(['String', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Int32', 'Int64', 'Float64', 'Array(String)']),
    default: z.unknown(),
    description: nonEmpty,
    schema: z.custom<z.ZodType>((v) => v instanceof z.ZodType, 'must be a zod schema').optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const ok = paramSpecValueSchema(p).safeParse(p.default);
    if (!ok.success) ctx.addIssue({ code: 'custom', path: ['default'], message: `default does not fit ${p.type}: ${ok.error.issues[0]?.message}` });
  });

