import type { FormatDecoder } from '../types.ts';
import { kongAiMcpDecoder, kongAiProxyDecoder } from './kong-ai.ts';
import { liteLlmSpendLogDecoder } from './litellm-spend-log.ts';
import { liteLlmPayloadDecoder } from './litellm-payload.ts';

/**
 * Gateway formats, most specific sniff first: Kong needs the nested proxy section (`ai.proxy` or
 * `ai["ai-proxy"]`), or `ai.mcp` without one for the AI MCP plugin; SpendLogs
 * needs `request_id` + `api_key`; the payload matcher is the loosest and also excludes SpendLogs.
 */
export const gatewayDecoders: readonly FormatDecoder[] = [
  kongAiProxyDecoder,
  kongAiMcpDecoder,
  liteLlmSpendLogDecoder,
  liteLlmPayloadDecoder,
];
