import { apiRequestBy, toolEventBy, type Person, type ToolOptions } from './fixtures-logging.ts';

/**
 * Claude Code events for the agent-boundary detector tests (data-boundary, local-permission-
 * expansion, mcp-task-scope, entry-path-drift), in the flattened OTLP form of fixtures.ts, for the
 * people of policy.example.yaml (fixtures-logging.ts PEOPLE).
 */

type Doc = Record<string, unknown>;

function withAttributes(doc: Doc, attributes: Doc): Doc {
  return { ...doc, attributes: { ...(doc['attributes'] as Doc), ...attributes } };
}

/**
 * A tool call with its details logged (OTEL_LOG_TOOL_DETAILS=1): `tool_parameters` as Claude Code
 * sends it, a JSON string (formats.md §8), and `tool_input` for tools that take a path.
 */
export function toolCallBy(p: Person, at: string, toolName: string, details: { parameters?: Doc; input?: Doc }, o: ToolOptions = {}): Doc {
  return withAttributes(toolEventBy(p, at, toolName, o), {
    ...(details.parameters ? { tool_parameters: JSON.stringify(details.parameters) } : {}),
    ...(details.input ? { tool_input: JSON.stringify(details.input) } : {}),
  });
}

/** A Bash call: tool_parameters carries the command (bash_command, full_command). */
export function bashBy(p: Person, at: string, command: string, o: ToolOptions = {}): Doc {
  return toolCallBy(p, at, 'Bash', { parameters: { bash_command: command.split(' ')[0], full_command: command, description: 'run a command' } }, o);
}

/** A `tool_decision` with its `source` (config, hook, user_permanent, user_temporary, user_abort, user_reject). */
export function decisionBy(p: Person, at: string, toolName: string, source: string, o: { session?: string; decision?: 'accept' | 'reject' } = {}): Doc {
  const decision = o.decision ?? (source === 'user_reject' || source === 'user_abort' ? 'reject' : 'accept');
  return withAttributes(toolEventBy(p, at, toolName, { ...(o.session ? { session: o.session } : {}), decision }), { source });
}

/** `claude_code.permission_mode_changed` (from_mode, to_mode, trigger). */
export function permissionModeBy(p: Person, at: string, toMode: string, o: { session?: string; fromMode?: string; trigger?: string } = {}): Doc {
  const doc = toolEventBy(p, at, 'Read', o.session ? { session: o.session } : {});
  const attrs = { ...(doc['attributes'] as Doc) };
  for (const k of ['tool_name', 'tool_use_id', 'success', 'duration_ms', 'decision_type', 'decision_source', 'tool_result_size_bytes']) delete attrs[k];
  return {
    ...doc,
    body: { stringValue: 'claude_code.permission_mode_changed' },
    attributes: { ...attrs, 'event.name': 'permission_mode_changed', from_mode: o.fromMode ?? 'default', to_mode: toMode, trigger: o.trigger ?? 'shift_tab' },
  };
}

/** An api_request with the surface attributes of a Claude Code install (service.name, terminal.type). */
export function apiRequestFrom(p: Person, at: string, session: string, surface: { service?: string; terminal?: string; viaCloud?: boolean } = {}): Doc {
  const doc = apiRequestBy(p, at, session);
  const attrs: Doc = { ...(doc['attributes'] as Doc), ...(surface.terminal ? { 'terminal.type': surface.terminal } : {}) };
  // Claude Code sends x-client-request-id (OTel client_request_id) only on first-party API connections (formats.md §8).
  if (surface.viaCloud) delete attrs['client_request_id'];
  return { ...doc, attributes: attrs, resource: { ...(doc['resource'] as Doc), ...(surface.service ? { 'service.name': surface.service } : {}) } };
}
