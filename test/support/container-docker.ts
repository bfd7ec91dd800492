/**
 * The few Docker operations testcontainers has no call for, through the `docker` CLI: networks
 * with a fixed subnet (a partitioned container must get its old address back, since its agent
 * keeps advertising it), connect/disconnect, SIGKILL, named volumes, and iptables rules inside a
 * container's network namespace run from the host with nsenter (the image has no iptables).
 */
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

/** Runs `docker ...` synchronously; throws with docker's stderr. */
export function docker(args: readonly string[]): string {
  try {
    return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`docker ${args.join(" ")} failed: ${stderr.trim() || String(error)}`, { cause: error });
  }
}

/** Runs a command without blocking the event loop (streams and pollers keep running). */
export function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: "utf8", maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** `docker ...` without blocking the event loop. */
export const dockerAsync = (args: readonly string[]): Promise<string> => run("docker", args);

/** True when the image is present locally. */
export function imageExists(tag: string): boolean {
  try {
    docker(["image", "inspect", tag]);
    return true;
  } catch {
    return false;
  }
}

/** A bridge network created for one test, with a subnet of its own. */
export interface TestNetwork {
  readonly name: string;
  /** e.g. `10.231.7.0/24`. */
  readonly subnet: string;
  remove(): Promise<void>;
}

/**
 * Creates a bridge network with an explicit /24 (Docker only honours `--ip` on networks with
 * a user-configured subnet). Candidates that overlap another network are skipped.
 */
export async function createNetwork(prefix: string): Promise<TestNetwork> {
  const name = `${prefix}-${randomBytes(3).toString("hex")}`;
  const start = randomBytes(1)[0] ?? 0;
  for (let i = 0; i < 256; i++) {
    const subnet = `10.231.${(start + i) % 256}.0/24`;
    try {
      await dockerAsync([
        "network",
        "create",
        "--driver",
        "bridge",
        "--subnet",
        subnet,
        "--label",
        "shoal-test=1",
        name,
      ]);
      return { name, subnet, remove: () => dockerAsync(["network", "rm", name]).then(() => undefined) };
    } catch (error) {
      if (!/overlap/i.test(String(error))) throw error;
    }
  }
  throw new Error("no free 10.231.x.0/24 subnet for a test network");
}

/** The container's IPv4 address on `network`, or "" when it is not attached. */
export async function containerIp(container: string, network: string): Promise<string> {
  const out = await dockerAsync([
    "inspect",
    "--format",
    `{{with index .NetworkSettings.Networks "${network}"}}{{.IPAddress}}{{end}}`,
    container,
  ]);
  return out.trim();
}

/** Detaches a container from a network: its peers can no longer reach it at all. */
export async function disconnect(network: string, container: string): Promise<void> {
  await dockerAsync(["network", "disconnect", network, container]);
}

/** Reattaches a container with its former address and DNS aliases. */
export async function reconnect(
  network: string,
  container: string,
  ip: string,
  aliases: readonly string[],
): Promise<void> {
  await dockerAsync([
    "network",
    "connect",
    "--ip",
    ip,
    ...aliases.flatMap((a) => ["--alias", a]),
    network,
    container,
  ]);
}

/** SIGKILL: no graceful leave, the agent just vanishes. */
export async function killContainer(container: string): Promise<void> {
  await dockerAsync(["kill", "--signal", "KILL", container]);
}

/** The host pid of the container's main process (its network namespace is /proc/pid/ns/net). */
export async function containerPid(container: string): Promise<number> {
  return Number((await dockerAsync(["inspect", "--format", "{{.State.Pid}}", container])).trim());
}

/** Runs iptables inside the network namespace of host process `pid`. */
export async function netnsIptables(pid: number, args: readonly string[]): Promise<void> {
  await run("nsenter", ["-t", String(pid), "-n", "iptables", "-w", ...args]);
}

/**
 * Drops `probability` of the packets a container receives, gossip and push/pull alike (the
 * kernel here has no netem, so iptables' `statistic` match stands in). Loopback and the HTTP
 * API port stay loss-free so the test's own queries are not what is measured.
 */
export async function addInboundLoss(pid: number, probability: number, exemptTcpPort: number): Promise<void> {
  await netnsIptables(pid, ["-I", "INPUT", "1", "-i", "lo", "-j", "ACCEPT"]);
  await netnsIptables(pid, [
    "-I",
    "INPUT",
    "2",
    "-p",
    "tcp",
    "--dport",
    String(exemptTcpPort),
    "-j",
    "ACCEPT",
  ]);
  await netnsIptables(pid, [
    "-A",
    "INPUT",
    "-m",
    "statistic",
    "--mode",
    "random",
    "--probability",
    String(probability),
    "-j",
    "DROP",
  ]);
}

/** Packets the loss rule dropped so far in the namespace of `pid` (proof the rule bit). */
export async function droppedPackets(pid: number): Promise<number> {
  const out = await run("nsenter", [
    "-t",
    String(pid),
    "-n",
    "iptables",
    "-w",
    "-L",
    "INPUT",
    "-v",
    "-x",
    "-n",
  ]);
  const line = out.split("\n").find((l) => l.includes("statistic"));
  return Number(line?.trim().split(/\s+/)[0] ?? 0);
}

/** Creates a named volume; returns its name. */
export async function createVolume(name: string): Promise<string> {
  await dockerAsync(["volume", "create", "--label", "shoal-test=1", name]);
  return name;
}

/** Removes a named volume, ignoring one that is already gone. */
export async function removeVolume(name: string): Promise<void> {
  await dockerAsync(["volume", "rm", "--force", name]).catch(() => undefined);
}

/** Removes a container by id or name, ignoring one that is already gone. */
export async function removeContainer(container: string): Promise<void> {
  await dockerAsync(["rm", "--force", "--volumes", container]).catch(() => undefined);
}
