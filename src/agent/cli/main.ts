/**
 * `shoal` command-line entry point: dispatches to one module per subcommand.
 */
import { runCli } from "./dispatch.js";

process.exitCode = await runCli(process.argv.slice(2));
