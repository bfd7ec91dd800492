/**
 * One Shoal agent in a container (testcontainers), reached from the host through the mapped
 * HTTP API port. The container is named after its network and node, and that name is the DNS
 * name peers join it by: testcontainers puts a container with network aliases on Docker's
 * default bridge as well, which would let traffic bypass the test's own network (and its
 * partitions), so these containers join only their test network and use their names.
 */
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { inject } from "vitest";
import { dockerAsync, testLabels } from "./container-docker.js";

/** The HTTP API port inside the container. */
export const HTTP_PORT = 8500;

/** How to start one agent container. */
export interface AgentContainerOptions {
  readonly image: string;
  readonly network: string;
  /** Serf node name, also the suffix of the container's DNS name. */
  readonly node: string;
  /**
   * DNS names (or addresses) to retry-join until one answers. Empty: no join setting at all,
   * so the agent can only rejoin through the member snapshot in its data dir.
   */
  readonly retryJoin: readonly string[];
  /**
   * A fixed IPv4 address on `network`, for a container that replaces a crashed one: its peers
   * hold the crashed agent as failed at its old address, and memberlist (deadNodeReclaimTime 0,
   * as in Serf) refuses a failed member's name from another address.
   */
  readonly ipv4?: string;
  readonly profile?: "lan" | "wan" | "local";
  /** Named volume mounted as the data dir: registrations survive the container. */
  readonly volume?: string;
  /** Extra `SHOAL_*` settings. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Member as `/v1/agent/members` shows it (Serf status numbers: 1 alive, 3 left, 4 failed). */
export interface MemberJson {
  readonly Name: string;
  readonly Addr: string;
  readonly Status: number;
  readonly Tags: Readonly<Record<string, string>>;
}

/** Docker container name of `node` on `network` (its DNS name there). */
export const containerName = (network: string, node: string): string => `${network}-${node}`;

/** GenericContainer that can also pin the container's address on its network. */
class AgentContainerBuilder extends GenericContainer {
  private fixedIp: { readonly network: string; readonly address: string } | undefined;

  /** Starts the container with `address` on `network` (Docker's `--ip`). */
  withIpv4(network: string, address: string): this {
    this.fixedIp = { network, address };
    return this;
  }

  protected override beforeContainerCreated(): Promise<void> {
    if (this.fixedIp !== undefined) {
      // testcontainers has no call for this; the Engine API takes it at create time.
      this.createOpts.NetworkingConfig = {
        EndpointsConfig: { [this.fixedIp.network]: { IPAMConfig: { IPv4Address: this.fixedIp.address } } },
      };
    }
    return Promise.resolve();
  }
}

/** A running agent container and its HTTP API. */
export class AgentContainer {
  private hostPort: number;

  private constructor(
    readonly options: AgentContainerOptions,
    private readonly container: StartedTestContainer,
  ) {
    this.hostPort = container.getMappedPort(HTTP_PORT);
  }

  /** Starts the container and resolves once its HTTP API answers. */
  static async start(options: AgentContainerOptions): Promise<AgentContainer> {
    let builder = new AgentContainerBuilder(options.image)
      .withName(containerName(options.network, options.node))
      .withNetworkMode(options.network)
      .withLabels(testLabels(inject("testRunPid")))
      .withEnvironment({
        SHOAL_NODE: options.node,
        ...(options.retryJoin.length === 0
          ? {}
          : {
              SHOAL_RETRY_JOIN: options.retryJoin.join(","),
              // Formation should not wait 30 s for a peer that started a moment later.
              SHOAL_RETRY_INTERVAL: "1s",
            }),
        SHOAL_PROFILE: options.profile ?? "lan",
        SHOAL_LOG_LEVEL: "debug",
        ...options.env,
      })
      .withExposedPorts(HTTP_PORT)
      .withWaitStrategy(Wait.forHttp("/v1/agent/self", HTTP_PORT).forStatusCode(200))
      .withStartupTimeout(120_000);
    if (options.ipv4 !== undefined) builder = builder.withIpv4(options.network, options.ipv4);
    if (options.volume !== undefined) {
      builder = builder.withBindMounts([{ source: options.volume, target: "/var/lib/shoal", mode: "rw" }]);
    }
    return new AgentContainer(options, await builder.start());
  }

  /** Node name. */
  get node(): string {
    return this.options.node;
  }

  /** Docker container id. */
  get id(): string {
    return this.container.getId();
  }

  /** Container name: the DNS name peers join it by. */
  get dnsName(): string {
    return containerName(this.options.network, this.options.node);
  }

  /** `http://host:port` of the HTTP API as published on the host. */
  get baseUrl(): string {
    return `http://${this.container.getHost()}:${this.hostPort}`;
  }

  private url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** GET a JSON path of the agent's HTTP API. */
  async get<T>(path: string, timeoutMs = 5_000): Promise<T> {
    const response = await fetch(this.url(path), { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok)
      throw new Error(`${this.node} GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /**
   * PUT a JSON body; throws unless the agent answers 2xx. The timeout is generous because a
   * registration is acknowledged only after its fsync, and on a CI host that is also running
   * the integration tier an fsync through overlayfs has taken longer than 5 s.
   */
  async put(path: string, body?: unknown, timeoutMs = 30_000): Promise<void> {
    const response = await fetch(this.url(path), {
      method: "PUT",
      signal: AbortSignal.timeout(timeoutMs),
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    if (!response.ok)
      throw new Error(`${this.node} PUT ${path}: ${response.status} ${await response.text()}`);
  }

  /** Opens a streaming GET (for `/v1/event/stream`); abort the signal to close it. */
  stream(path: string, signal: AbortSignal): Promise<Response> {
    return fetch(this.url(path), { signal });
  }

  /** `/v1/agent/members`. */
  members(): Promise<MemberJson[]> {
    return this.get<MemberJson[]>("/v1/agent/members");
  }

  /** Registers a service with a TTL-free, check-free definition (always passing). */
  register(service: { readonly ID: string; readonly Name: string; readonly Port: number }): Promise<void> {
    return this.put("/v1/agent/service/register", service);
  }

  /** Service name → tags, as this agent's catalog replica has them. */
  catalogServices(): Promise<Record<string, string[]>> {
    return this.get<Record<string, string[]>>("/v1/catalog/services");
  }

  /** Container logs (stdout+stderr), for failure messages. */
  logs(): Promise<string> {
    return dockerAsync(["logs", this.id]).catch((error: unknown) => String(error));
  }

  /** `docker restart` (SIGTERM: the agent leaves gracefully; testcontainers takes ms), then waits for the HTTP API. */
  async restart(): Promise<void> {
    await this.container.restart({ timeout: 15_000 });
    this.hostPort = this.container.getMappedPort(HTTP_PORT);
  }

  /** Graceful stop (SIGTERM, leave) and removal; a named data volume stays (only anonymous go). */
  async stopAndRemove(): Promise<void> {
    await this.container.stop({ timeout: 15_000, remove: true, removeVolumes: true });
  }
}
