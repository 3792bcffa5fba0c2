import { describe, expect, it } from 'vitest';
import { rules as secretlintRecommended } from '@secretlint/secretlint-rule-preset-recommend';
import { simulatedRecords } from '../simulate/planner.ts';
import { findSecrets, maskSecrets, RULE_GATES, secretFingerprint } from './secrets.ts';

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
  githubFineGrained: 'github_pat_' + 'A1b2'.repeat(20) + 'Cd',
  awsSecretKey: 'aws_secret_access_key = "' + 'k7'.repeat(20) + '"',
  postgres: 'postgres://admin:Hunter2pass@db.internal:5432/app',
  basicAuth: 'https://deploy:Hunter2pass@git.example.com/repo.git',
  shopify: 'shpat_' + 'f0e1'.repeat(8),
  gitlab: 'glpat-' + 'Xy12'.repeat(5),
};
// A GCP service-account key file: the GCP rule reports the whole document.
const GCP_KEY_FILE = JSON.stringify({ type: 'service_account', project_id: 'p', private_key_id: 'a'.repeat(40), private_key: FAKE.privateKey, client_email: 'x@p.iam.gserviceaccount.com' });

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

  it('skips a gated rule only on texts in which the rule finds nothing', () => {
    const corpus = [
      ...Object.values(FAKE).map((secret) => `{"note": "value ${secret} in text", "raw": ${JSON.stringify(secret)}}`),
      GCP_KEY_FILE,
      ...simulatedRecords({ start: Date.parse('2026-03-02T00:00:00Z'), end: Date.parse('2026-03-02T02:00:00Z'), messagesPerHour: 300, seed: 3, incidentsPerHour: 3 }).map((r) => JSON.stringify(r.doc)),
    ];
    type Rule = { meta: { id: string }; create(ctx: unknown, options: unknown): { file?: (source: unknown) => unknown } };
    const rules = secretlintRecommended as unknown as Rule[];
    // Every rule of the preset has a gate (a rule a newer preset adds runs ungated until it gets one).
    expect(rules.filter((r) => r.create({ report() {}, ignore() {}, createTranslator: () => () => '', sharedOptions: {} }, {}).file).map((r) => r.meta.id).sort())
      .toEqual(Object.keys(RULE_GATES).sort());
    const withSample = new Set(['aws', 'gcp', 'database-connection-string', 'github', 'shopify', 'gitlab', 'privatekey', 'basicauth'].map((k) => `@secretlint/secretlint-rule-${k}`));
    for (const [id, gate] of Object.entries(RULE_GATES)) {
      const rule = rules.find((r) => r.meta.id === id);
      expect(rule, `${id} is in the preset`).toBeDefined();
      let reports = 0;
      const file = rule?.create({ report: () => (reports += 1), ignore() {}, createTranslator: () => (k: string) => k, sharedOptions: {} }, {}).file;
      let found = 0;
      for (const content of corpus) {
        reports = 0;
        void file?.({ filePath: 'record.json', ext: '.json', contentType: 'text', content });
        if (reports > 0) {
          found += 1;
          expect(gate.test(content), `${id} reports on a text its gate skips: ${content.slice(0, 80)}`).toBe(true);
        }
      }
      // The rules with a sample in the corpus fire on it, so the check above is not vacuous for them.
      if (withSample.has(id)) expect(found, id).toBeGreaterThan(0);
    }
    expect(findSecrets(GCP_KEY_FILE).length).toBeGreaterThan(0);
  });
});
