import { describe, expect, it } from 'vitest';
import { claudeCodeEvent } from '../../detectors/_shared/fixtures.ts';
import { otelFlatDecoder } from '../decode/agent/otel-flat.ts';
import { CTX, onlyRow } from '../decode/test-support.ts';
import { toolLabels } from './tool-labels.ts';

const bash = (command: string) => toolLabels('Bash', '', [JSON.stringify({ bash_command: command.split(' ')[0], full_command: command })]);
const read = (path: string) => toolLabels('Read', '', [undefined, JSON.stringify({ file_path: path })]);

describe('toolLabels', () => {
  it('names the secret path patterns a call read, not the paths', () => {
    expect(read('/home/alice/app/.env').secretLabels).toEqual(['dotenv-file']);
    expect(read('/home/alice/app/.env.production').secretLabels).toEqual(['dotenv-file']);
    expect(read('/Users/alice/.aws/credentials').secretLabels).toEqual(['aws-credentials']);
    expect(read('/Users/alice/.ssh/id_ed25519').secretLabels).toEqual(['private-key']);
    expect(read('deploy/tls/server.pem').secretLabels).toEqual(['private-key']);
    expect(read('/Users/alice/.kube/config').secretLabels).toEqual(['kubeconfig']);
  });

  it('names secret-printing commands and secret-manager reads', () => {
    expect(bash('printenv').secretLabels).toEqual(['environment-dump']);
    expect(bash('env | grep TOKEN').secretLabels).toEqual(['environment-dump']);
    expect(bash('aws secretsmanager get-secret-value --secret-id prod/db').secretLabels).toEqual(['aws-secrets-manager']);
    expect(bash('vault kv get secret/payments').secretLabels).toEqual(['vault-read']);
    expect(bash('gcloud secrets versions access latest --secret=api').secretLabels).toEqual(['gcloud-secrets']);
    expect(bash('op read op://prod/db/password').secretLabels).toEqual(['onepassword-read']);
    expect(bash('cat ~/.aws/credentials && printenv').secretLabels).toEqual(['aws-credentials', 'environment-dump']);
    expect(toolLabels('mcp__hashicorp-vault__read_secret', '', []).secretLabels).toEqual(['secret-manager-mcp']);
  });

  it('leaves ordinary work unlabelled', () => {
    for (const path of ['src/environment.ts', 'docs/env.md', 'src/keys.ts', 'README.md', '.envrc.example.md']) expect(read(path).secretLabels).toEqual([]);
    for (const cmd of ['npm test', 'git status', 'env-cmd -f x npm start', 'kubectl get pods', 'vault status', 'ls -la']) expect(bash(cmd).secretLabels).toEqual([]);
    expect(toolLabels('mcp__github__create_pull_request', 'github', []).secretLabels).toEqual([]);
  });

  it('keeps repository host and organisation, and other hosts, without user info or paths', () => {
    expect(bash('git clone https://x-access-token:ghp_abc123@github.com/other-org/tool.git').repositories).toEqual(['github.com/other-org']);
    expect(bash('git clone git@gitlab.com:Acme/infra.git').repositories).toEqual(['gitlab.com/acme']);
    expect(bash('git remote add up https://git.internal.example.com/acme/app.git').repositories).toEqual(['git.internal.example.com/acme']);
    const fetch = toolLabels('WebFetch', '', [JSON.stringify({ url: 'https://pastebin.com/raw/abc?token=1', prompt: 'x' })]);
    expect(fetch).toMatchObject({ repositories: [], hosts: ['pastebin.com'] });
    expect(toolLabels('mcp__github__create_pull_request', 'github', []).mcpTool).toBe('create_pull_request');
  });
});

describe('the Claude Code normaliser', () => {
  it('stores labels of tool_parameters, and no part of the parameters, in any column', () => {
    const planted = 'AKIAPLANTEDSECRET0042';
    const doc = claudeCodeEvent('2026-10-20T14:00:00Z', {
      'event.name': 'tool_result', tool_name: 'Bash', model: null, cost_usd: null, cost_usd_micros: null,
      tool_parameters: JSON.stringify({ bash_command: 'cat', full_command: `cat ~/.aws/credentials; echo ${planted}; git clone https://github.com/evil-org/x.git` }),
      tool_input: JSON.stringify({ command: `export AWS_SECRET_ACCESS_KEY=${planted}` }),
    });
    const row = onlyRow(otelFlatDecoder.decode(doc, CTX), 'agent_events');
    expect(row).toMatchObject({ secret_labels: ['aws-credentials'], repositories: ['github.com/evil-org'], hosts: [] });
    expect(JSON.stringify(row)).not.toContain(planted);
    expect(JSON.stringify(row)).not.toContain('credentials;');
  });

  it('stores the decision source and the new permission mode', () => {
    const decision = onlyRow(otelFlatDecoder.decode(claudeCodeEvent('2026-10-20T14:00:00Z', { 'event.name': 'tool_decision', tool_name: 'Bash', decision: 'accept', source: 'user_permanent' }), CTX), 'agent_events');
    expect(decision.decision_source).toBe('user_permanent');
    const mode = onlyRow(otelFlatDecoder.decode(claudeCodeEvent('2026-10-20T14:00:00Z', { 'event.name': 'permission_mode_changed', from_mode: 'default', to_mode: 'bypassPermissions', trigger: 'cli_flag' }), CTX), 'agent_events');
    expect(mode.permission_mode).toBe('bypassPermissions');
  });
});
