/** The agent's logging: pino root logger, component children, runtime level changes. */
export { createLogger, type AgentLogger, type LoggerOptions } from "./logger.js";
export { formatPrettyLine, prettyDestination } from "./pretty.js";
export { LogTap, type LogListener, type LogRecord } from "./log-tap.js";
