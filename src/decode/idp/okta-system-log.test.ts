import { describe, expect, it } from 'vitest';
import type { DecodeOutput } from '../types.ts';
import { CTX, loadSample, onlyRow, rowsOf } from '../test-support.ts';
import { oktaSystemLogDecoder as okta } from './okta-system-log.ts';

const rows = (out: DecodeOutput) => rowsOf(out, 'idp_events');
const only = (out: DecodeOutput) => onlyRow(out, 'idp_events');

describe('okta.system_log', () => {
  it('decodes the formats.md OAuth token grant sample', () => {
    const doc = loadSample('okta-token-grant');
    const row = only(okta.decode(doc, CTX));
    const { raw, ...rest } = row;
    expect(rest).toEqual({
      event_time: '2026-08-19 13:58:02.114',
      format: 'okta.system_log',
      idp: 'okta',
      event_id: 'f790999f-fe87-467a-9880-6982a583986c',
      event_type: 'app.oauth2.as.token.grant.access_token',
      actor_id: '00u1qw1mqitPHM8AJ0g7',
      actor_email: 'alice@example.com',
      actor_type: 'user',
      actor_name: 'Alice Example',
      target_user_id: '',
      target_user_email: '',
      app_id: '0oa8llmgateway0001d7',
      app_name: '',
      outcome: 'success',
      outcome_reason: '',
      session_id: '1013FfF-DKQSvCI4RVXChzX-w',
      client_ip: '203.0.113.10',
      user_agent: 'claude-cli/2.1.200 (external, cli)',
      grant_type: 'authorization_code',
      client_auth: '',
      scopes: ['openid', 'email', 'offline_access'],
    });
    expect(JSON.parse(raw)).toEqual(doc);
  });

  it('takes the deactivated user from the User target, lower-cased', () => {
    const row = only(okta.decode(loadSample('okta-user-deactivate'), CTX));
    expect(row).toMatchObject({
      event_time: '2026-08-19 16:41:27.503',
      event_type: 'user.lifecycle.deactivate',
      actor_id: '00u1adm1nXyZ0000d7',
      actor_email: 'it-admin@example.com',
      actor_type: 'user',
      target_user_id: '00u7b0bm4rt1nQ2e0d7',
      target_user_email: 'bob.martin@example.com',
      app_id: '',
      outcome: 'success',
      session_id: '102aB3cD4eF5gH6iJ7kL8mN9o',
      client_ip: '198.51.100.7',
      grant_type: '',
      scopes: [],
    });
  });

  it('lower-cases a mixed-case actor e-mail and snake-cases the actor type', () => {
    const doc = loadSample('okta-token-grant');
    doc['actor'] = { id: '0oaPublic1', type: 'PublicClientApp', alternateId: 'Alice.Example@Example.COM', displayName: 'CLI' };
    const row = only(okta.decode(doc, CTX));
    expect(row.actor_email).toBe('alice.example@example.com');
    expect(row.actor_type).toBe('public_client_app');
  });

  it('prefers the AppInstance target for the app, and keeps a failure reason', () => {
    const doc = loadSample('okta-token-grant');
    doc['eventType'] = 'user.authentication.sso';
    doc['outcome'] = { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' };
    doc['target'] = [{ id: '0oaGatewayApp01', type: 'AppInstance', alternateId: 'LLM Gateway', displayName: 'LLM Gateway' }];
    delete doc['debugContext'];
    const row = only(okta.decode(doc, CTX));
    expect(row).toMatchObject({
      app_id: '0oaGatewayApp01',
      app_name: 'LLM Gateway',
      outcome: 'failure',
      outcome_reason: 'INVALID_CREDENTIALS',
      grant_type: '',
      scopes: [],
    });
  });

  it('classifies the client authentication of OAuth events only', () => {
    const doc = loadSample('okta-token-grant');
    doc['actor'] = { id: '0oaCiRunner1', type: 'PublicClientApp', alternateId: 'ci-runner', displayName: 'ci-runner' };
    doc['debugContext'] = { debugData: { grantType: 'client_credentials' } };
    const auth = (credentialType: string, eventType = 'app.oauth2.as.token.grant.access_token') =>
      only(okta.decode({ ...doc, eventType, authenticationContext: { credentialType } }, CTX)).client_auth;
    expect(auth('PRE_SHARED_SYMMETRIC_KEY')).toBe('client_secret');
    expect(auth('JWT')).toBe('private_key_jwt');
    expect(auth('ASSERTION')).toBe('federated');
    expect(auth('OAUTH2')).toBe('');
    // On a person's sign-in the field names the person's factor.
    expect(auth('PRE_SHARED_SYMMETRIC_KEY', 'user.session.start')).toBe('');
  });

  it('falls back to requestedScopes when no scopes were granted', () => {
    const doc = loadSample('okta-token-grant');
    doc['eventType'] = 'app.oauth2.as.token.grant';
    doc['debugContext'] = { debugData: { grantType: 'refresh_token', requestedScopes: 'openid  llm.invoke' } };
    expect(only(okta.decode(doc, CTX)).scopes).toEqual(['openid', 'llm.invoke']);
  });

  it('decodes a /api/v1/logs page; a bad element is its own reject', () => {
    const bad = { ...loadSample('okta-token-grant') };
    delete bad['uuid'];
    const page = [loadSample('okta-token-grant'), bad, loadSample('okta-user-deactivate')];
    expect(okta.matches(page)).toBe(true);
    const out = okta.decode(page, CTX);
    expect(rows(out).map((r) => r.event_type)).toEqual(['app.oauth2.as.token.grant.access_token', 'user.lifecycle.deactivate']);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]).toMatchObject({ reason: 'schema_violation', format: 'okta.system_log' });
    expect(out.rejects[0]!.detail).toMatch(/^uuid: /);
    expect(JSON.parse(out.rejects[0]!.raw)).toEqual(bad);
  });

  it('decodes an Event Hook delivery', () => {
    const hook = {
      eventType: 'com.okta.event_hook',
      eventTypeVersion: '1.0',
      eventId: 'b5a188b9-5ece-4636-b041-482ffda96311',
      eventTime: '2026-08-19T16:41:28.000Z',
      data: { events: [loadSample('okta-user-deactivate')] },
    };
    expect(okta.matches(hook)).toBe(true);
    expect(only(okta.decode(hook, CTX)).target_user_email).toBe('bob.martin@example.com');
  });

  it('rejects implausible times and non-objects without throwing', () => {
    const doc = loadSample('okta-token-grant');
    doc['published'] = '2099-01-01T00:00:00.000Z';
    const out = okta.decode([doc, 'not an event', null], CTX);
    expect(out.records).toEqual([]);
    expect(out.rejects.map((r) => r.detail.split(':')[0])).toEqual(['published', '(root)', '(root)']);
  });

  it('names the offending path in the detail', () => {
    const doc = loadSample('okta-token-grant');
    doc['actor'] = { id: 42 };
    const out = okta.decode(doc, CTX);
    expect(out.rejects[0]!.detail).toMatch(/^actor\.id: /);
  });

  it('matches LogEvents only', () => {
    expect(okta.matches(loadSample('okta-token-grant'))).toBe(true);
    expect(okta.matches([])).toBe(false);
    expect(okta.matches({ uuid: 'x' })).toBe(false);
    expect(okta.matches(null)).toBe(false);
  });
});
