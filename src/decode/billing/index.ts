import type { FormatDecoder } from '../types.ts';
import { anthropicApiKeysDecoder } from './anthropic-api-keys.ts';
import { anthropicClaudeCodeDecoder } from './anthropic-claude-code.ts';
import { anthropicCostDecoder } from './anthropic-cost.ts';
import { anthropicUsageDecoder } from './anthropic-usage.ts';
import { bedrockInvocationDecoder } from './bedrock-invocation.ts';
import { openAiApiKeysDecoder } from './openai-api-keys.ts';
import { openAiCostsDecoder } from './openai-costs.ts';
import { openAiUsageDecoder } from './openai-usage.ts';
import { openAiUsageFamilyDecoder } from './openai-usage-family.ts';

/**
 * Billing-topic decoders. Their `matches` are mutually exclusive (tested); the order only puts the
 * cheapest sniff first and lets the usage decoders, which also claim result-less pages, come last.
 */
export const billingDecoders: readonly FormatDecoder[] = [
  bedrockInvocationDecoder,
  openAiApiKeysDecoder,
  anthropicApiKeysDecoder,
  openAiCostsDecoder,
  openAiUsageFamilyDecoder,
  openAiUsageDecoder,
  anthropicClaudeCodeDecoder,
  anthropicCostDecoder,
  anthropicUsageDecoder,
];
