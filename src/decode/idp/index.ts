import type { FormatDecoder } from '../types.ts';
import { oktaSystemLogDecoder } from './okta-system-log.ts';
import { entraSignInDecoder } from './entra-signin.ts';

/** IdP formats; their sniffs are disjoint (Okta needs `uuid`, Entra `createdDateTime`/`records`). */
export const idpDecoders: readonly FormatDecoder[] = [oktaSystemLogDecoder, entraSignInDecoder];
