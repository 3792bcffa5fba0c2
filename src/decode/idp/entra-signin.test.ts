import { describe, expect, it } from 'vitest';
import type { DecodeOutput } from '../types.ts';
import { CTX, loadSample, onlyRow, rowsOf } from '../test-support.ts';
import { entraSignInDecoder as entra } from './entra-signin.ts';

const rows = (out: DecodeOutput) => rowsOf(out, 'idp_events');
const only = (out: DecodeOutput) => onlyRow(out, 'idp_events');

describe('entra.signin', () => {
  it('decodes sample A (interactive user sign-in)', () => {
    const doc = loadSample('entra-signin-interactive');
    const { raw, ...rest } = only(entra.decode(doc, CTX));
    expect(rest).toEqual({
      event_time: '2026-08-19 13:58:01.000',
      format: 'entra.signin',
      idp: 'entra',
      event_id: '1691d37b-8579-43a7-966a-0f35583c1300',
      event_type: 'signin.interactiveUser',
      actor_id: '26be570a-1111-5555-b4e2-a37c6808512d',
      actor_email: 'alice@example.com',
      actor_type: 'user',
      actor_name: 'Alice Example',
      target_user_id: '',
      target_user_email: '',
      app_id: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c',
      app_name: 'LLM Gateway (LiteLLM)',
      outcome: 'success',
      // failureReason "Other." on a success is noise, not a reason.
      outcome_reason: '',
      session_id: '5d295068-919b-4017-85d8-44be2f5f5483',
      client_ip: '203.0.113.10',
      user_agent: '',
      grant_type: 'oAuth2',
      client_auth: '',
      scopes: [],
    });
    expect(JSON.parse(raw)).toEqual(doc);
  });

  it('decodes sample B as a service principal with no e-mail', () => {
    const { raw: _raw, ...rest } = only(entra.decode(loadSample('entra-signin-service-principal'), CTX));
    expect(rest).toEqual({
      event_time: '2026-08-19 02:10:44.000',
      format: 'entra.signin',
      idp: 'entra',
      event_id: '66ea54eb-6301-4ee5-be62-ff5a759b0100',
      event_type: 'signin.servicePrincipal',
      actor_id: '8c1d7d7e-4f3b-4e0c-9d5b-7a0f2e3c1b9a',
      actor_email: '',
      actor_type: 'service_principal',
      actor_name: 'ci-claude-code-runner',
      target_user_id: '',
      target_user_email: '',
      app_id: 'de8bc8b5-d9f9-48b1-a8ad-b748da725064',
      app_name: 'ci-claude-code-runner',
      outcome: 'success',
      outcome_reason: '',
      session_id: '',
      client_ip: '20.42.0.15',
      user_agent: '',
      grant_type: 'federatedIdentityCredential',
      client_auth: 'federated',
      scopes: [],
    });
  });

  // formats.md "Real variants": service-principal sign-ins name the principal in
  // servicePrincipalName while the app display name can be empty (Microsoft Graph signIn docs).
  it('keeps servicePrincipalName as the actor name when the app display name is empty', () => {
    const doc = loadSample('entra-signin-service-principal');
    doc.appDisplayName = '';
    doc.servicePrincipalName = 'svc-nightly-evals';
    const r = only(entra.decode(doc, CTX));
    expect(r).toMatchObject({ actor_type: 'service_principal', actor_name: 'svc-nightly-evals', app_name: '' });

    // Graph v1.0 lists carry no signInEventTypes: the principal id alone makes it a workload sign-in.
    delete doc.signInEventTypes;
    expect(only(entra.decode(doc, CTX))).toMatchObject({ event_type: 'signin.servicePrincipal', actor_name: 'svc-nightly-evals' });

    const envelope = {
      records: [{ time: '2026-08-19T02:10:44Z', category: 'ServicePrincipalSignInLogs', operationName: 'Sign-in activity', properties: doc }],
    };
    expect(only(entra.decode(envelope, CTX)).actor_name).toBe('svc-nightly-evals');
  });

  it('decodes the diagnostic envelope, one row per record', () => {
    const doc = loadSample('entra-diagnostic-envelope');
    expect(entra.matches(doc)).toBe(true);
    const out = entra.decode(doc, CTX);
    expect(out.rejects).toEqual([]);
    const [disabled, ci] = rows(out);
    expect(disabled).toMatchObject({
      event_time: '2026-08-19 17:05:12.441',
      event_id: '8a3f5c2e-91b4-4d7e-a6c0-2f1e9d8b7a00',
      event_type: 'signin.nonInteractiveUser',
      actor_id: '9b2e4f6a-2222-4c3d-8e5f-a1b2c3d4e5f6',
      actor_email: 'bob.martin@example.com',
      actor_type: 'user',
      outcome: 'failure',
      outcome_reason: '50057: User account is disabled. The account has been disabled by an administrator.',
      session_id: '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f',
      client_ip: '203.0.113.44',
      user_agent: 'claude-cli/2.1.200 (external, cli)',
      grant_type: '',
    });
    expect(ci).toMatchObject({
      event_time: '2026-08-19 17:06:40.102',
      event_type: 'signin.servicePrincipal',
      actor_id: '8c1d7d7e-4f3b-4e0c-9d5b-7a0f2e3c1b9a',
      actor_email: '',
      actor_type: 'service_principal',
      outcome: 'success',
      session_id: '5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c',
      grant_type: 'clientSecret',
      client_auth: 'client_secret',
    });
    expect(JSON.parse(ci!.raw)).toEqual(doc['records'][1]);
  });

  it('fills envelope gaps from the record level and rejects non-sign-in categories', () => {
    const doc = loadSample('entra-diagnostic-envelope');
    const [first, second] = doc['records'];
    delete first.properties.status;
    delete first.properties.createdDateTime;
    delete first.properties.ipAddress;
    second.category = 'AuditLogs';
    const out = entra.decode(doc, CTX);
    expect(rows(out)[0]).toMatchObject({
      event_time: '2026-08-19 17:05:12.441',
      client_ip: '203.0.113.44',
      outcome: 'failure',
    });
    expect(rows(out)[0]!.outcome_reason).toMatch(/^50057: User account is disabled/);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]!.detail).toMatch(/^category: 'AuditLogs'/);
  });

  it('keeps the error code in a failed Graph sign-in and lower-cases the UPN', () => {
    const doc = loadSample('entra-signin-interactive');
    doc['userPrincipalName'] = 'Alice@Example.COM';
    doc['status'] = { errorCode: 50126, failureReason: 'Error validating credentials due to invalid username or password.' };
    doc['sessionId'] = 'a1b2c3d4-0000-4000-8000-000000000001';
    const row = only(entra.decode(doc, CTX));
    expect(row).toMatchObject({
      actor_email: 'alice@example.com',
      outcome: 'failure',
      outcome_reason: '50126: Error validating credentials due to invalid username or password.',
      session_id: 'a1b2c3d4-0000-4000-8000-000000000001',
    });
  });

  it('infers the sign-in kind when Graph v1.0 omits signInEventTypes', () => {
    const user = loadSample('entra-signin-interactive');
    delete user['signInEventTypes'];
    user['isInteractive'] = false;
    const sp = loadSample('entra-signin-service-principal');
    delete sp['signInEventTypes'];
    const out = entra.decode([user, sp], CTX);
    expect(rows(out).map((r) => [r.event_type, r.actor_type])).toEqual([
      ['signin.nonInteractiveUser', 'user'],
      ['signin.servicePrincipal', 'service_principal'],
    ]);
  });

  it('decodes a Graph list page and an array; a bad element is its own reject', () => {
    const bad = loadSample('entra-signin-interactive');
    delete bad['status'];
    const page = { '@odata.context': 'https://graph.microsoft.com/beta/$metadata#auditLogs/signIns', value: [loadSample('entra-signin-interactive'), bad] };
    expect(entra.matches(page)).toBe(true);
    const out = entra.decode(page, CTX);
    expect(rows(out)).toHaveLength(1);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]).toMatchObject({ reason: 'schema_violation', format: 'entra.signin' });
    expect(out.rejects[0]!.detail).toMatch(/^status: /);

    const arr = [loadSample('entra-signin-service-principal'), loadSample('entra-signin-interactive')];
    expect(entra.matches(arr)).toBe(true);
    expect(rows(entra.decode(arr, CTX)).map((r) => r.actor_type)).toEqual(['service_principal', 'user']);
  });

  it('decodes a lone diagnostic record (an envelope already split upstream)', () => {
    const record = loadSample('entra-diagnostic-envelope')['records'][1];
    expect(entra.matches(record)).toBe(true);
    expect(only(entra.decode(record, CTX)).event_type).toBe('signin.servicePrincipal');
  });

  it('rejects a sign-in with an unparseable time', () => {
    const doc = loadSample('entra-signin-interactive');
    doc['createdDateTime'] = 'yesterday';
    const out = entra.decode(doc, CTX);
    expect(out.records).toEqual([]);
    expect(out.rejects[0]!.detail).toMatch(/^createdDateTime: /);
  });

  it('matches Entra shapes only', () => {
    expect(entra.matches(loadSample('entra-signin-interactive'))).toBe(true);
    expect(entra.matches(loadSample('entra-signin-service-principal'))).toBe(true);
    expect(entra.matches({ records: [{ eventName: 'x' }] })).toBe(false);
    expect(entra.matches({ value: [] })).toBe(false);
    expect(entra.matches('text')).toBe(false);
  });
});
