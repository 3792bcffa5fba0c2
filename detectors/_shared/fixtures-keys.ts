import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deepMerge, type Overrides } from './fixtures.ts';

/**
 * Provider key-inventory records for detector tests and the simulator, in the real list formats
 * (formats.md §3, §4): OpenAI project API key pages and Anthropic Admin API key pages, each key
 * built from the checked-in samples in schemas/samples/. Times are ISO strings.
 */

type Doc = Record<string, unknown>;

const SAMPLES = fileURLToPath(new URL('../../schemas/samples/', import.meta.url));
function sample(name: string): Doc & { data: Doc[] } {
  return JSON.parse(readFileSync(`${SAMPLES}${name}.json`, 'utf8')) as Doc & { data: Doc[] };
}

const unixSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export interface OpenAiKeySpec {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt?: string | null;
  /** A person's e-mail (owner type user) or a service account name. */
  ownerEmail?: string;
  serviceAccount?: string;
}

/** One OpenAI ProjectApiKey, owned by a user or a service account. */
export function openAiProjectKey(spec: OpenAiKeySpec, overrides: Overrides = {}): Doc {
  const [serviceKey, userKey] = sample('openai-project-api-keys').data as [Doc, Doc];
  const base = spec.serviceAccount !== undefined ? serviceKey : userKey;
  const owner = spec.serviceAccount !== undefined
    ? { type: 'service_account', service_account: { id: `svc_acct_${spec.serviceAccount}`, name: spec.serviceAccount } }
    : { type: 'user', user: { id: `user_${spec.id.slice(4)}`, email: spec.ownerEmail ?? 'alice@example.com', name: spec.ownerEmail ?? 'Alice Example' } };
  return deepMerge(deepMerge(base, {
    id: spec.id,
    name: spec.name,
    redacted_value: `sk-proj-****${spec.id.slice(-4)}`,
    created_at: unixSeconds(spec.createdAt),
    last_used_at: spec.lastUsedAt ? unixSeconds(spec.lastUsedAt) : null,
    owner,
  }), overrides);
}

/** An OpenAI project API key list page, with the project id a collector adds (the API has it in the path). */
export function openAiKeyPage(projectId: string, keys: Doc[]): Doc {
  const ids = keys.map((k) => String(k['id']));
  return { object: 'list', project_id: projectId, data: keys, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null, has_more: false };
}

export interface AnthropicKeySpec {
  id: string;
  name: string;
  createdAt: string;
  workspaceId?: string | null;
  status?: 'active' | 'inactive' | 'archived' | 'expired';
  createdBy?: string;
}

/** One Anthropic Admin API key. */
export function anthropicApiKey(spec: AnthropicKeySpec, overrides: Overrides = {}): Doc {
  const base = sample('anthropic-api-keys').data[0] as Doc;
  return deepMerge(deepMerge(base, {
    id: spec.id,
    name: spec.name,
    partial_key_hint: `sk-ant-api03-${spec.id.slice(7, 10)}...${spec.id.slice(-4)}`,
    created_at: spec.createdAt,
    status: spec.status ?? 'active',
    ...(spec.workspaceId !== undefined ? { workspace_id: spec.workspaceId } : {}),
    ...(spec.createdBy !== undefined ? { created_by: { id: spec.createdBy, type: 'user' } } : {}),
  }), overrides);
}

/** An Anthropic Admin API key list page. */
export function anthropicKeyPage(keys: Doc[]): Doc {
  const ids = keys.map((k) => String(k['id']));
  return { data: keys, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null, has_more: false };
}
