/**
 * `shoal agent`: runs the long-lived agent. SIGINT/SIGTERM leave gracefully (bounded by the
 * broadcast timeout), a second signal exits at once; SIGHUP reloads tags, log level, event
 * handlers and the service definitions of the config files.
 */
import { hostname } from "node:os";
import { renderAgentHelp } from "../../config/help.js";
import { loadAgentConfig, wantsHelp } from "../../config/load.js";
import { createLogger } from "../../logging/logger.js";
import { Agent } from "../../daemon/agent.js";
import { ConfigError } from "../../../errors.js";

/** How long a graceful leave may take before the agent exits anyway. */
const LEAVE_BOUND_MS = 15_000;

/** Runs `shoal agent [options]`; resolves with the exit code once the agent stopped. */
export async function agent(args: readonly string[]): Promise<number> {
  if (wantsHelp(args)) {
    console.log(renderAgentHelp());
    return 0;
  }
  let config;
  try {
    config = loadAgentConfig(args, process.env, { hostname: hostname() });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`shoal agent: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  const log = logger.child("agent");
  for (const warning of config.warnings) log.warn(warning);
  let running: Agent;
  try {
    running = await Agent.start(config, logger);
  } catch (error) {
    log.error({ err: error }, `agent failed to start: ${(error as Error).message}`);
    console.error(`shoal agent: ${(error as Error).message}`);
    return 1;
  }

  let signals = 0;
  const onStop = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      log.warn(`${signal} again: exiting without finishing the leave`);
      process.exit(1);
    }
    const leave = signal === "SIGINT" ? !config.skipLeaveOnInterrupt : config.leaveOnTerminate;
    log.info(`${signal} received: ${leave ? "leaving gracefully" : "shutting down"}`);
    const bound = setTimeout(() => {
      log.warn("graceful leave took too long; exiting");
      process.exit(1);
    }, LEAVE_BOUND_MS);
    bound.unref();
    void running.shutdown(leave);
  };
  const onReload = (): void => {
    try {
      const next = loadAgentConfig(args, process.env, { hostname: hostname() });
      logger.setLevel(next.logLevel);
      running.reloadEventHandlers(next.eventHandlers);
      void running.reloadTags(next.tags).then(
        () => log.info("SIGHUP: reloaded tags, log level and event handlers"),
        (error: unknown) => log.error(`SIGHUP: tags not applied: ${(error as Error).message}`),
      );
      void running.reloadServices(next.services).then(
        (removed) =>
          log.info(
            `SIGHUP: reloaded ${next.services.length} service definition(s) from config files; removed ${removed.length === 0 ? "none" : removed.join(", ")}`,
          ),
        (error: unknown) => log.error(`SIGHUP: service definitions not applied: ${(error as Error).message}`),
      );
    } catch (error) {
      log.error(`SIGHUP: configuration not reloaded: ${(error as Error).message}`);
    }
  };
  process.on("SIGINT", onStop);
  process.on("SIGTERM", onStop);
  process.on("SIGHUP", onReload);
  await running.whenDone();
  process.off("SIGINT", onStop);
  process.off("SIGTERM", onStop);
  process.off("SIGHUP", onReload);
  log.info("agent stopped");
  return 0;
}
