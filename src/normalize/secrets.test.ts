import { describe, expect, it } from 'vitest';
import { findSecrets, maskSecrets, secretFingerprint } from './secrets.ts';

// Fake credentials of each kind the rules must cover; none is a real key.
const FAKE = {
  anthropic: 'sk-ant-api03-' + 'a1B2'.repeat(23) + 'xAA',
  anthropicAdmin: 'sk-ant-admin01-' + 'Zz09'.repeat(10),
  openaiProject: 'sk-proj-' + 'Ab3d'.repeat(12),
  litellmVirtual: 'sk-' + 'Vk7q'.repeat(6),
  awsAccessKey: 'AKIA' + 'QZ7T'.repeat(4),
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkdy10ZXN0In0.c2lnbmF0dXJlLXNpZw',
  privateKey: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq' + 'Q'.repeat(120) + '\n-----END RSA PRIVATE KEY-----',
  github: 'ghp_' + 'R'.repeat(36),
};

describe('secret rules', () => {
  for (const [kind, secret] of Object.entries(FAKE)) {
    it(`finds and fingerprints ${kind}`, () => {
      const text = `{"note": "value ${secret} in text", "raw": ${JSON.stringify(secret)}}`;
      const masked = maskSecrets(text);
      expect(masked).not.toContain(secret);
      expect(masked).not.toContain(JSON.stringify(secret).slice(1, -1));
      expect(findSecrets(text).length).toBeGreaterThan(0);
    });
  }

  it('keeps the scheme word and fingerprints the token of a bearer header', () => {
    expect(maskSecrets('Authorization: Bearer abcdefgh12345678xyz')).toMatch(/^Authorization: Bearer …#[0-9a-f]{12}$/);
  });

  it('is stable, keeps a recognisable prefix and the last four characters', () => {
    expect(secretFingerprint(FAKE.anthropicAdmin)).toBe(secretFingerprint(FAKE.anthropicAdmin));
    expect(secretFingerprint(FAKE.anthropicAdmin)).toMatch(/^sk-ant-admin01-…Zz09#[0-9a-f]{12}$/);
    expect(secretFingerprint(FAKE.privateKey)).toMatch(/^private-key…#[0-9a-f]{12}$/);
  });

  it('leaves ids, models, e-mails, uuids and hashes alone', () => {
    const text = JSON.stringify({
      model: 'claude-sonnet-4-5-20250929', accountId: '123456789012', session: 'e96634a3-fa28-4083-b354-55542e2dca01',
      email: 'alice@example.com', apiKeyId: 'apikey_01Rj2N8SVvo6BePZj99NhmiT', hash: '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b',
      request: 'req_011CSHeb4L1mzEdqLhGa8VnK', arn: 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0a1b2c3d/alice@example.com',
    });
    expect(maskSecrets(text)).toBe(text);
  });
});
