import { oktaLifecycle, entraServicePrincipalSignIn } from '../../detectors/_shared/fixtures-identity.ts';
import { entraSignInBy, oktaGrantBy, oktaSsoBy } from '../../detectors/_shared/fixtures-logging.ts';
import { int, pick, type Rng } from './traffic.ts';
import { APPS, type Person } from './world.ts';

/**
 * The identity plane of a working day, all of it governed: each person's morning Okta token grant
 * to the LLM gateway's OAuth client (and its refreshes while they work), SSO to everyday non-AI
 * apps, Entra sign-ins to the approved gateway app and to Microsoft 365 (one mistyped password), a
 * new hire's activation, and a non-AI workload identity (nightly backup) that never calls the gateway.
 */

type Doc = Record<string, unknown>;
const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;

/** `[first, last]` activity of each person (ms), from their sessions. */
export type Workday = Map<Person, [number, number]>;

export function idpRecords(r: Rng, dayStart: number, workday: Workday): Doc[] {
  const out: Doc[] = [];
  for (const [p, [first, last]] of workday) {
    const login = first - int(r, 5, 15) * MIN;
    out.push(oktaGrantBy(p, iso(login), { id: APPS.oktaGateway.id }));
    out.push(entraSignInBy(p, iso(login + 40_000), APPS.entraGateway));
    out.push(oktaSsoBy(p, iso(login + int(r, 2, 20) * MIN), pick(r, APPS.okta)));
    out.push(oktaSsoBy(p, iso(login + int(r, 30, 120) * MIN), pick(r, APPS.okta)));
    out.push(entraSignInBy(p, iso(login + int(r, 1, 10) * MIN), pick(r, APPS.entra)));
    // Access tokens last an hour; Claude Code's apiKeyHelper refreshes through the gateway's OAuth client.
    for (let t = login + 55 * MIN; t < last; t += int(r, 55, 65) * MIN) {
      out.push(oktaGrantBy(p, iso(t), { id: APPS.oktaGateway.id }, 'app.oauth2.as.token.grant.refresh_token'));
      if (r() < 0.4) out.push(entraSignInBy(p, iso(t + 20_000), pick(r, APPS.entra), { interactive: false }));
    }
  }
  const someone = [...workday.keys()][0];
  if (someone) out.push(entraSignInBy(someone, iso(dayStart + 7 * 60 * MIN + 12 * MIN), APPS.entraGateway, { errorCode: 50126 }));
  out.push(oktaLifecycle(iso(dayStart + 9 * 60 * MIN + 15 * MIN), 'user.lifecycle.activate', 'grace.hopper@example.com'));
  out.push(entraServicePrincipalSignIn(iso(dayStart + 60 * MIN + 4 * MIN), {
    appId: '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9', appDisplayName: 'nightly-backup', servicePrincipalName: 'nightly-backup',
    servicePrincipalId: '2c3d4e5f-6071-4829-93a4-b5c6d7e8f901', ipAddress: '20.1.2.3', resourceDisplayName: 'Azure Storage',
    resourceId: 'e406a681-f3d4-42a8-90b6-c2b029497af1',
  }));
  return out;
}
