import type { FormatDecoder, SourceKind } from './types.ts';
import { gatewayDecoders } from './gateway/index.ts';
import { billingDecoders } from './billing/index.ts';
import { idpDecoders } from './idp/index.ts';
import { agentDecoders } from './agent/index.ts';

/** Decoders per source, in the order their `matches` is tried (most specific first). */
export const DECODERS: Record<SourceKind, readonly FormatDecoder[]> = {
  gateway: gatewayDecoders,
  billing: billingDecoders,
  idp: idpDecoders,
  agent: agentDecoders,
};

export function findDecoder(source: SourceKind, doc: unknown): FormatDecoder | undefined {
  return DECODERS[source].find((d) => d.matches(doc));
}
