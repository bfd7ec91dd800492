/** The agent's configuration: schema, sources, loading and help. */
export { loadAgentConfig, wantsHelp, type ConfigIo } from "./load.js";
export type { AgentConfig } from "./agent-config.js";
export { renderAgentHelp } from "./help.js";
export { renderEnvTable } from "./env.js";
export { parseDuration, tryParseDuration, formatDuration, type DurationResult } from "./duration.js";
export { AgentOptionsSchema, type AgentOptions, type LogLevel, type OptionName } from "./schema.js";
export {
  parseEventHandlerSpec,
  type EventFilter,
  type EventHandlerSpec,
  type EventType,
} from "./event-handler-spec.js";
