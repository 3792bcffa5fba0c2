/**
 * Model ids differ per source (formats.md N5): LiteLLM `bedrock/us.anthropic.…-v1:0`, Bedrock
 * inference-profile ids and ARNs, Anthropic `claude-…` ids. Canonical form: the provider's own
 * model id, no routing prefix, no Bedrock region prefix or version suffix.
 */
const ROUTING_PREFIX = /^(bedrock|anthropic|openai|azure|vertex_ai|vertex|litellm_proxy)\//;
const BEDROCK_REGION = /^(us|eu|apac|global|jp|au)\./;
const BEDROCK_VENDOR = /^(anthropic|meta|amazon|mistral|cohere|ai21|openai|deepseek)\./;
const BEDROCK_VERSION = /-v\d+(:\d+)?$/;

export function canonicalModel(model: unknown): string {
  if (typeof model !== 'string') return '';
  let m = model.trim().toLowerCase();
  if (m === '') return '';
  if (m.startsWith('arn:aws:bedrock:')) m = m.split('/').pop() ?? m;
  m = m.replace(ROUTING_PREFIX, '');
  m = m.replace(BEDROCK_REGION, '');
  if (BEDROCK_VENDOR.test(m)) m = m.replace(BEDROCK_VENDOR, '').replace(BEDROCK_VERSION, '');
  return m;
}
