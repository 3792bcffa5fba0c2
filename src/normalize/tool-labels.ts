/**
 * What a Claude Code tool call touched, as labels only (issue 14, "secrets and data outside the
 * expected set"). `tool_parameters` / `tool_input` can hold file contents, commands with inline
 * tokens and whole secrets, so they never reach a column, `raw` or a log line (content.ts redacts
 * them); detectors still need to know that a call read `~/.aws/credentials` or cloned a repository
 * of another organisation. So the classification runs here, at ingest, on the values in memory,
 * and only these derived labels are stored (agent_events secret_labels / repositories / hosts /
 * mcp_tool, schemas/clickhouse/0018_agent_boundaries.sql):
 *
 * - secret_labels: the names of the secret-path and secret-command patterns that matched
 *   (SECRET_PATTERNS below), never the matched text;
 * - repositories: `host/organisation` of git remotes and repository URLs (no repository name, no
 *   user info, no token in the URL);
 * - hosts: the host names of every other URL the call reached;
 * - mcp_tool: the tool name inside its MCP server (`mcp__github__create_pr` → `create_pr`).
 */

export interface ToolLabels {
  secretLabels: string[];
  repositories: string[];
  hosts: string[];
  mcpTool: string;
}

export const NO_TOOL_LABELS: ToolLabels = { secretLabels: [], repositories: [], hosts: [], mcpTool: '' };

/**
 * Label → pattern over the text of the call's parameters (paths, commands, URLs). Paths match at a
 * path-segment boundary so `environment.ts` is not `.env`. Secret-manager reads match the CLI
 * verbs that print a secret's value, not every use of the CLI.
 */
export const SECRET_PATTERNS: readonly (readonly [label: string, pattern: RegExp])[] = [
  ['dotenv-file', /(?:^|[\s/'"=:])\.env(?:\.[\w-]+)?(?=$|[\s'",;)|])/],
  ['aws-credentials', /\.aws\/(?:credentials|config)\b/],
  ['private-key', /(?:\bid_(?:rsa|dsa|ecdsa|ed25519)\b(?!\.pub)|[\w-]+\.(?:pem|p12|pfx|key)(?=$|[\s'",;)|])|BEGIN [A-Z ]*PRIVATE KEY)/],
  ['kubeconfig', /(?:\.kube\/config\b|\bkubeconfig\b|\bKUBECONFIG=)/i],
  ['cloud-credentials-file', /(?:application_default_credentials\.json|\.config\/gcloud\/|\.azure\/(?:accessTokens|msal_token_cache)|\.docker\/config\.json|\.netrc\b|\.npmrc\b|\.pypirc\b|\.git-credentials\b)/],
  ['environment-dump', /(?:^|[;&|`(]\s*|\$\(\s*|\bsudo\s+)(?:printenv|env|export\s+-p|set)\s*(?=$|[;&|>)`]|\s+\|)/m],
  ['aws-secrets-manager', /\baws\s+(?:secretsmanager\s+get-secret-value|ssm\s+get-parameters?\b[^\n]*--with-decryption)/],
  ['vault-read', /\bvault\s+(?:read|kv\s+get|kv\s+read)\b/],
  ['gcloud-secrets', /\bgcloud\s+secrets\s+versions\s+access\b/],
  ['onepassword-read', /\bop\s+(?:read|item\s+get|inject)\b/],
  ['azure-key-vault', /\baz\s+keyvault\s+secret\s+(?:show|download)\b/],
  ['kubernetes-secret', /\bkubectl\s+get\s+secrets?\b[^\n]*(?:-o|--output)[= ]?(?:json|yaml|jsonpath)/],
];

/** MCP servers (or their tools) whose job is handing out secrets. */
const SECRET_MANAGER_MCP = /(?:vault|secret|1password|onepassword|keyvault|key-vault|secretsmanager|doppler|infisical|bitwarden)/i;

const MCP_TOOL = /^mcp__(.+?)__(.+)$/;
const URL_IN_TEXT = /\b(?:https?|ssh|git):\/\/[^\s'"<>`]+/g;
/** scp-like git remote `git@github.com:acme/repo.git`. */
const SCP_REMOTE = /\b[\w.-]+@([a-z0-9.-]+\.[a-z]{2,}):([\w.-]+)\/[\w.-]+/gi;
const HOST = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*$/;
/** Hosts whose first path segment is an organisation owning repositories. */
const REPOSITORY_HOSTS = /(?:^|\.)(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|dev\.azure\.com|ghe\.[a-z0-9.-]+|github\.[a-z0-9.-]+|gitlab\.[a-z0-9.-]+)$/;
const GIT_COMMAND = /\b(?:git|gh)\s+(?:clone|fetch|pull|push|remote\s+add|repo\s+clone)\b/;

/** At most this many labels of each kind per event: evidence, not an inventory. */
const MAX_ITEMS = 8;

function strings(value: unknown, out: string[], depth = 0): void {
  if (depth > 16 || value === null || value === undefined) return;
  if (typeof value === 'string') {
    // tool_parameters / tool_input arrive as JSON text; walk the parsed structure when they are.
    const trimmed = value.trim();
    if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && trimmed.length < 1_000_000) {
      try {
        strings(JSON.parse(trimmed) as unknown, out, depth + 1);
        return;
      } catch {
        // not JSON: scan it as text
      }
    }
    out.push(value);
    return;
  }
  if (Array.isArray(value)) for (const v of value) strings(v, out, depth + 1);
  else if (typeof value === 'object') for (const v of Object.values(value)) strings(v, out, depth + 1);
}

function hostOf(authority: string): string {
  const withoutUser = authority.slice(authority.lastIndexOf('@') + 1);
  const host = withoutUser.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase();
  return HOST.test(host) ? host : '';
}

function addBounded(set: Set<string>, value: string): void {
  if (value !== '' && set.size < MAX_ITEMS) set.add(value);
}

function urlLabels(text: string, repositories: Set<string>, hosts: Set<string>): void {
  const gitCommand = GIT_COMMAND.test(text);
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const rest = match[0].replace(/^[a-z]+:\/\//, '');
    const slash = rest.indexOf('/');
    const host = hostOf(slash === -1 ? rest : rest.slice(0, slash));
    if (host === '') continue;
    const org = slash === -1 ? '' : (/^[\w.-]+/.exec(rest.slice(slash + 1))?.[0] ?? '');
    if (org !== '' && (REPOSITORY_HOSTS.test(host) || gitCommand || match[0].endsWith('.git'))) addBounded(repositories, `${host}/${org.toLowerCase()}`);
    else addBounded(hosts, host);
  }
  for (const match of text.matchAll(SCP_REMOTE)) {
    const host = hostOf(match[1] ?? '');
    if (host !== '') addBounded(repositories, `${host}/${(match[2] ?? '').toLowerCase()}`);
  }
}

/** Labels of one tool event from its name and its (still unredacted) parameter values. */
export function toolLabels(toolName: string, mcpServer: string, parameters: readonly unknown[]): ToolLabels {
  const mcpTool = MCP_TOOL.exec(toolName)?.[2] ?? '';
  const texts: string[] = [];
  for (const p of parameters) strings(p, texts);
  const secrets = new Set<string>();
  const repositories = new Set<string>();
  const hosts = new Set<string>();
  for (const t of texts) {
    for (const [label, pattern] of SECRET_PATTERNS) if (pattern.test(t)) secrets.add(label);
    urlLabels(t, repositories, hosts);
  }
  const server = mcpServer || (MCP_TOOL.exec(toolName)?.[1] ?? '');
  if (server !== '' && (SECRET_MANAGER_MCP.test(server) || SECRET_MANAGER_MCP.test(mcpTool))) secrets.add('secret-manager-mcp');
  return { secretLabels: [...secrets].sort(), repositories: [...repositories].sort(), hosts: [...hosts].sort(), mcpTool };
}
