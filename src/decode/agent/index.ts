import type { FormatDecoder } from '../types.ts';
import { otlpLogsDecoder } from './otlp-logs.ts';
import { otelFlatDecoder } from './otel-flat.ts';

/** Agent-telemetry formats; the OTLP envelope is tried first because it is the common case. */
export const agentDecoders: readonly FormatDecoder[] = [otlpLogsDecoder, otelFlatDecoder];
