/**
 * One Shoal agent in a container (testcontainers), reached from the host through the mapped
 * HTTP API port. The container is named after its network and node, and that name is the DNS
 * name peers join it by: testcontainers puts a container with network aliases on Docker's
 * default bridge as well, which would let traffic bypass the test's own network (and its
 * partitions), so these containers join only their test network and use their names.
 */
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { dockerAsync } from "./container-docker.js";

/** The HTTP API port inside the container. */
export const HTTP_PORT = 8500;

/** How to start one agent container. */
export interface AgentContainerOptions {
  readonly image: string;
  readonly network: string;
  /** Serf node name, also the suffix of the container's DNS name. */
  readonly node: string;
  /** DNS names (or addresses) to retry-join until one answers. */
  readonly retryJoin: readonly string[];
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
    let builder = new GenericContainer(options.image)
      .withName(containerName(options.network, options.node))
      .withNetworkMode(options.network)
      .withEnvironment({
        SHOAL_NODE: options.node,
        SHOAL_RETRY_JOIN: options.retryJoin.join(","),
        // Formation should not wait 30 s for a peer that started a moment later.
        SHOAL_RETRY_INTERVAL: "1s",
        SHOAL_PROFILE: options.profile ?? "lan",
        SHOAL_LOG_LEVEL: "debug",
        ...options.env,
      })
      .withExposedPorts(HTTP_PORT)
      .withWaitStrategy(Wait.forHttp("/v1/agent/self", HTTP_PORT).forStatusCode(200))
      .withStartupTimeout(120_000);
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

  private url(path: string): string {
    return `http://${this.container.getHost()}:${this.hostPort}${path}`;
  }

  /**
   * Re-reads the host port of the HTTP API: Docker publishes it anew, on another port, when
   * the container is reconnected to its network (testcontainers keeps the first one).
   */
  async refreshHostPort(): Promise<void> {
    const out = await dockerAsync(["port", this.id, `${HTTP_PORT}/tcp`]);
    const port = Number(/:(\d+)\s*$/m.exec(out.split("\n")[0] ?? "")?.[1]);
    if (!Number.isInteger(port) || port <= 0)
      throw new Error(`${this.node}: no published port in ${JSON.stringify(out)}`);
    this.hostPort = port;
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

  /**
   * PUT through `docker exec` from inside the container: works while the container is cut off
   * from its network (and so from its mapped port), as during a partition.
   */
  async putFromInside(path: string, body: unknown): Promise<void> {
    const script =
      `fetch("http://127.0.0.1:${HTTP_PORT}${path}",{method:"PUT",body:process.argv[1],headers:{"content-type":"application/json"}})` +
      `.then(async r=>{if(!r.ok){console.error(r.status,await r.text());process.exit(1)}})`;
    const result = await this.container.exec(["node", "-e", script, JSON.stringify(body)]);
    if (result.exitCode !== 0) throw new Error(`${this.node} PUT ${path} from inside: ${result.output}`);
  }

  /** GET a JSON path through `docker exec` (see {@link putFromInside}). */
  async getFromInside<T>(path: string): Promise<T> {
    const script = `fetch("http://127.0.0.1:${HTTP_PORT}${path}").then(r=>r.text()).then(t=>process.stdout.write(t))`;
    const result = await this.container.exec(["node", "-e", script]);
    if (result.exitCode !== 0) throw new Error(`${this.node} GET ${path} from inside: ${result.output}`);
    return JSON.parse(result.stdout) as T;
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
