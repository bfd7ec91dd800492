/** `shoal keygen`: a fresh 32-byte gossip encryption key, base64 (as `serf keygen`). */
import { randomBytes } from "node:crypto";

/** Runs `shoal keygen`. */
export function keygen(args: readonly string[]): Promise<number> {
  if (args.length > 0) throw new Error("keygen takes no arguments");
  console.log(randomBytes(32).toString("base64"));
  return Promise.resolve(0);
}
