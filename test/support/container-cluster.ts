/**
 * A cluster of Shoal agent containers on a network of its own: each test builds one, and
 * `close()` (registered with `onTestFinished`, so it also runs when the test fails) removes
 * its containers, volumes and network. Agents join each other by container name (DNS).
 */
import { inject } from "vitest";
import {
  AgentContainer,
  containerName,
  type AgentContainerOptions,
  type MemberJson,
} from "./container-agent.js";
import {
  createNetwork,
  createVolume,
  removeContainer,
  removeVolume,
  type TestNetwork,
} from "./container-docker.js";

/** Serf's member status numbers, as `/v1/agent/members` reports them. */
export const MemberStatus = { alive: 1, leaving: 2, left: 3, failed: 4 } as const;

/** How to build a cluster. */
export interface ClusterOptions {
  readonly image: string;
  /** Network name prefix, e.g. the scenario's name. */
  readonly prefix: string;
  readonly size: number;
  readonly profile?: AgentContainerOptions["profile"];
  /** Give every node a named data volume (restart scenarios). */
  readonly volumes?: boolean;
  readonly env?: Readonly<Record<string, string>>;
}

/** Polls `probe` until it returns true; resolves with the time it took, in ms. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<number> {
  const start = performance.now();
  let lastError: unknown;
  for (;;) {
    try {
      if (await probe()) return performance.now() - start;
    } catch (error) {
      // An agent that is restarting or unreachable is a "not yet", not a failure.
      lastError = error;
    }
    if (performance.now() - start > timeoutMs) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Names of the members `agent` reports with `status`. */
export async function namesWithStatus(agent: AgentContainer, status: number): Promise<string[]> {
  const members: MemberJson[] = await agent.members();
  return members
    .filter((m) => m.Status === status)
    .map((m) => m.Name)
    .sort();
}

/** A cluster of agent containers on one test network. */
export class ShoalCluster {
  readonly nodes = new Map<string, AgentContainer>();
  private readonly volumes: string[] = [];

  private constructor(
    readonly options: ClusterOptions,
    readonly network: TestNetwork,
    readonly names: readonly string[],
  ) {}

  /** Creates the network (and volumes) and starts every node at once. */
  static async start(options: ClusterOptions): Promise<ShoalCluster> {
    const network = await createNetwork(`shoal-${options.prefix}`, inject("testRunPid"));
    const names = Array.from({ length: options.size }, (_, i) => `n${i + 1}`);
    const cluster = new ShoalCluster(options, network, names);
    try {
      await Promise.all(names.map((name) => cluster.startNode(name)));
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  /** The running node `name`. */
  node(name: string): AgentContainer {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`no running node ${name}`);
    return node;
  }

  /** Every running node. */
  running(): AgentContainer[] {
    return [...this.nodes.values()];
  }

  /**
   * Starts node `name` (again): same DNS name, same volume, retry-joining the others unless
   * `retryJoin` is false (then only its data dir's member snapshot can bring it back), at
   * `ipv4` when given.
   */
  async startNode(
    name: string,
    how: { readonly retryJoin?: boolean; readonly ipv4?: string } = {},
  ): Promise<AgentContainer> {
    let volume: string | undefined;
    if (this.options.volumes === true) {
      volume = `${this.network.name}-${name}-data`;
      if (!this.volumes.includes(volume)) this.volumes.push(await createVolume(volume, inject("testRunPid")));
    }
    const agent = await AgentContainer.start({
      image: this.options.image,
      network: this.network.name,
      node: name,
      // Only the others: a join that reaches itself counts as a success and ends retrying.
      retryJoin:
        how.retryJoin === false
          ? []
          : this.names.filter((n) => n !== name).map((n) => containerName(this.network.name, n)),
      ...(how.ipv4 === undefined ? {} : { ipv4: how.ipv4 }),
      ...(this.options.profile === undefined ? {} : { profile: this.options.profile }),
      ...(volume === undefined ? {} : { volume }),
      ...(this.options.env === undefined ? {} : { env: this.options.env }),
    });
    this.nodes.set(name, agent);
    return agent;
  }

  /** Forgets node `name` (after it was killed or removed). */
  drop(name: string): void {
    this.nodes.delete(name);
  }

  /** Waits until every running node reports exactly `expected` as alive; returns ms taken. */
  waitForAlive(expected: readonly string[], timeoutMs: number, on = this.running()): Promise<number> {
    const want = [...expected].sort().join(",");
    return waitFor(
      `${on.map((n) => n.node).join(",")} to see alive ${want}`,
      async () => {
        const views = await Promise.all(on.map((n) => namesWithStatus(n, MemberStatus.alive)));
        return views.every((v) => v.join(",") === want);
      },
      timeoutMs,
    );
  }

  /** Logs of every running node, for failure messages. */
  async logs(): Promise<string> {
    const parts = await Promise.all(this.running().map(async (n) => `--- ${n.node} ---\n${await n.logs()}`));
    return parts.join("\n");
  }

  /** Removes containers (including dropped ones), volumes and the network. Never throws. */
  async close(): Promise<void> {
    await Promise.all(this.names.map((n) => removeContainer(containerName(this.network.name, n))));
    this.nodes.clear();
    await Promise.all(this.volumes.map(removeVolume));
    await this.network.remove().catch(() => undefined);
  }
}
