/**
 * The few Docker operations testcontainers has no call for, through the `docker` CLI: networks
 * with a fixed subnet (a crashed agent's replacement must get its old address back, since its
 * peers hold it as failed there), SIGKILL, named volumes, labels and the sweep of leftovers,
 * and iptables rules inside a container's network namespace run from the host with nsenter
 * (the image has no iptables): packet loss and partitions.
 */
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

/** Label on every container, network and volume the container tier creates. */
export const TEST_LABEL = "shoal-test";

/**
 * Label naming the vitest run (its main process's pid) that created a resource: the sweep of
 * container-global-setup.ts removes only resources of its own run or of runs that are gone, so
 * two test runs on one machine (several people share this checkout) never remove each other's.
 */
export const RUN_LABEL = "shoal-test.run";

/** The labels for a resource created by the run whose main process is `runPid`. */
export function testLabels(runPid: number): Record<string, string> {
  return { [TEST_LABEL]: "1", [RUN_LABEL]: String(runPid) };
}

/** `--label k=v` arguments for {@link testLabels}. */
const labelArgs = (runPid: number): string[] =>
  Object.entries(testLabels(runPid)).flatMap(([k, v]) => ["--label", `${k}=${v}`]);

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
export async function createNetwork(prefix: string, runPid: number): Promise<TestNetwork> {
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
        ...labelArgs(runPid),
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
export async function createVolume(name: string, runPid: number): Promise<string> {
  await dockerAsync(["volume", "create", ...labelArgs(runPid), name]);
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

/** iptables chain holding a container's partition rules: flushing it heals in one command. */
const PARTITION_CHAIN = "SHOAL-PARTITION";

/**
 * Cuts the container whose main process is `pid` off from `peers` (IPv4 addresses) in both
 * directions, inside its own network namespace: a real partition, unlike `docker network
 * disconnect`, which isolates the container from everyone (its own side included) and gives
 * it a new published port on reconnect. Addresses stay the same, so after
 * {@link healPartition} every agent reaches its peers where it last knew them. DROP, not
 * REJECT: a partition loses packets silently, and probes and joins must time out as they would.
 */
export async function partitionFrom(pid: number, peers: readonly string[]): Promise<void> {
  await netnsIptables(pid, ["-N", PARTITION_CHAIN]);
  await netnsIptables(pid, ["-I", "INPUT", "1", "-j", PARTITION_CHAIN]);
  await netnsIptables(pid, ["-I", "OUTPUT", "1", "-j", PARTITION_CHAIN]);
  for (const ip of peers) {
    await netnsIptables(pid, ["-A", PARTITION_CHAIN, "-s", ip, "-j", "DROP"]);
    await netnsIptables(pid, ["-A", PARTITION_CHAIN, "-d", ip, "-j", "DROP"]);
  }
}

/** Removes the rules of {@link partitionFrom} (the empty chain stays: it matches nothing). */
export async function healPartition(pid: number): Promise<void> {
  await netnsIptables(pid, ["-F", PARTITION_CHAIN]);
}

/** Packets the partition rules dropped so far in the namespace of `pid` (proof they bit). */
export async function partitionDrops(pid: number): Promise<number> {
  const out = await run("nsenter", [
    "-t",
    String(pid),
    "-n",
    "iptables",
    "-w",
    "-L",
    PARTITION_CHAIN,
    "-v",
    "-x",
    "-n",
  ]);
  return out
    .split("\n")
    .filter((l) => l.includes("DROP"))
    .reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0] ?? 0), 0);
}

/** True when a process with this pid exists on this host. */
function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** What {@link sweepTestResources} removed. */
export interface SweepResult {
  readonly containers: number;
  readonly networks: number;
  readonly volumes: number;
}

/**
 * Removes what aborted runs left behind (Ryuk, testcontainers' reaper, is disabled here):
 * containers, networks and volumes labelled {@link TEST_LABEL} whose run is `ownRunPid` or a
 * run that no longer exists (unlabelled by run: created before runs were labelled), and the
 * containers, networks and volumes of compose-example projects (`shoal-compose-<pid>`, labelled
 * by compose itself) whose test process is gone. Containers go first: Docker refuses to
 * remove a network or volume that is still in use. Never throws.
 */
export function sweepTestResources(ownRunPid: number): SweepResult {
  const stale = (run: string): boolean => {
    const pid = Number(run);
    return run === "" || run === "<no value>" || pid === ownRunPid || !processAlive(pid);
  };
  const list = (kind: "ps" | "network" | "volume", filter: string, label: string): string[] => {
    const base = kind === "ps" ? ["ps", "--all"] : [kind, "ls"];
    const id = kind === "volume" ? "{{.Name}}" : "{{.ID}}";
    try {
      return docker([...base, "--filter", `label=${filter}`, "--format", `${id} {{.Label "${label}"}}`])
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    } catch {
      return [];
    }
  };
  const select = (kind: "ps" | "network" | "volume"): string[] => [
    ...list(kind, TEST_LABEL, RUN_LABEL)
      .map((l) => l.split(" "))
      .filter(([, run = ""]) => stale(run))
      .map(([id = ""]) => id),
    ...list(kind, "com.docker.compose.project", "com.docker.compose.project")
      .map((l) => l.split(" "))
      .filter(
        ([, project = ""]) => /^shoal-compose-\d+$/.test(project) && !processAlive(Number(project.slice(14))),
      )
      .map(([id = ""]) => id),
  ];
  const remove = (args: readonly string[], ids: readonly string[]): number => {
    let removed = 0;
    for (const id of ids) {
      try {
        docker([...args, id]);
        removed++;
      } catch {
        // Gone already, or still in use by a run that is going on: leave it.
      }
    }
    return removed;
  };
  const containers = remove(["rm", "--force", "--volumes"], select("ps"));
  const networks = remove(["network", "rm"], select("network"));
  const volumes = remove(["volume", "rm"], select("volume"));
  return { containers, networks, volumes };
}
