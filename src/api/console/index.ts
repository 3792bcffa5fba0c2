import type { ApiTokens } from '../auth.ts';
import { bearerOrSession } from './console-auth.ts';
import { consoleRoutes, type SecureCookies } from './console-routes.ts';
import { sessionSigner } from './session-cookie.ts';
import { staticAssets } from './static-assets.ts';

export type { SecureCookies };

/** The analyst console's server side: /api/* auth for token or cookie, sign-in routes, built files. */
export function analystConsole(tokens: ApiTokens, now: () => Date, secureCookies: SecureCookies = 'auto') {
  const signer = sessionSigner(tokens);
  return {
    apiAuth: bearerOrSession(tokens, signer, now),
    routes: consoleRoutes(tokens, signer, now, secureCookies),
    assets: staticAssets(),
  };
}
