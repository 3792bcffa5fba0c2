/**
 * Model ids differ per source (formats.md N5): LiteLLM `bedrock/us.anthropic.…-v1:0`, Bedrock
 * inference-profile ids and ARNs, Anthropic `claude-…` ids. Canonical form: the provider's own
 * model id, no routing prefix, no Bedrock region prefix, and no Bedrock version suffix after a
 * dated id (`-20240307-v1:0`): there the date already names the model and the suffix only names
 * the Bedrock packaging. Older Bedrock ids carry no date (`anthropic.claude-v2:1`,
 * `anthropic.claude-instant-v1`) and their version IS the model (formats.md "Real variants"), so it
 * stays: stripping it merged claude-v2 and claude-v2:1 into one "claude", wrong for prices and
 * routing-drift checks.
 */
const ROUTING_PREFIX = /^(bedrock|anthropic|openai|azure|vertex_ai|vertex|litellm_proxy)\//;
const BEDROCK_REGION = /^(us|eu|apac|global|jp|au)\./;
const BEDROCK_VENDOR = /^(anthropic|meta|amazon|mistral|cohere|ai21|openai|deepseek)\./;
const DATED_BEDROCK_VERSION = /(-\d{8})-v\d+(:\d+)?$/;

export function canonicalModel(model: unknown): string {
  if (typeof model !== 'string') return '';
  let m = model.trim().toLowerCase();
  if (m === '') return '';
  if (m.startsWith('arn:aws:bedrock:')) m = m.split('/').pop() ?? m;
  m = m.replace(ROUTING_PREFIX, '');
  m = m.replace(BEDROCK_REGION, '');
  if (BEDROCK_VENDOR.test(m)) m = m.replace(BEDROCK_VENDOR, '').replace(DATED_BEDROCK_VERSION, '$1');
  return m;
}
