/**
 * docker/compose.yaml, checked offline: `docker compose` is not installed everywhere (Debian's
 * docker.io has no compose plugin), so this parses the file and runs every agent's settings
 * through Shoal's real config loader. The container tier starts the same example for real
 * when a compose command is available (test/container/compose-example.test.ts).
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseServiceDefinition } from "../../../src/agent/catalog/service-definition.js";
import { imageAgentArgs, loadContainerConfig, repoFile } from "./image-config.js";

interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context: string; readonly dockerfile: string };
  readonly environment?: Record<string, string>;
  readonly volumes?: string[];
  readonly entrypoint?: string[];
  readonly ports?: string[];
}

const compose = parse(repoFile("docker/compose.yaml"), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const agents = Object.entries(compose.services).filter(([name]) => name.startsWith("shoal-"));

/** Bind-mounted files of a service, container path → file text (paths relative to docker/). */
function mountedFiles(service: ComposeService): Map<string, string> {
  const out = new Map<string, string>();
  for (const volume of service.volumes ?? []) {
    const [source = "", target = ""] = volume.split(":");
    if (source.startsWith("./")) out.set(target, repoFile(`docker/${source.slice(2)}`));
  }
  return out;
}

describe("docker/compose.yaml", () => {
  it("defines five agents built from docker/Dockerfile, each with a data volume", () => {
    expect(agents.map(([name]) => name)).toEqual(["shoal-1", "shoal-2", "shoal-3", "shoal-4", "shoal-5"]);
    for (const [name, service] of agents) {
      expect(service.build?.dockerfile).toBe("docker/Dockerfile");
      const data = (service.volumes ?? []).find((v) => v.endsWith(":/var/lib/shoal"));
      expect(data, name).toBeDefined();
      expect(Object.keys(compose.volumes)).toContain(data?.split(":")[0]);
    }
  });

  it("gives every agent a config the agent accepts, retry-joining the other four by name", () => {
    const names = agents.map(([name]) => name);
    for (const [name, service] of agents) {
      const config = loadContainerConfig(imageAgentArgs(), service.environment ?? {}, mountedFiles(service));
      expect(config.nodeName).toBe(name);
      expect([...config.retryJoin].sort()).toEqual(names.filter((n) => n !== name));
      expect(config.httpAddr.host).toBe("0.0.0.0");
      expect(config.dataDir).toBe("/var/lib/shoal");
    }
  });

  it("registers the web example with an HTTP check against the web container's port", () => {
    const [, first] = agents[0] ?? [];
    const config = loadContainerConfig(imageAgentArgs(), first?.environment ?? {}, mountedFiles(first ?? {}));
    const definitions = config.services.map(parseServiceDefinition);
    expect(definitions.map((d) => d.service.Service)).toEqual(["web"]);
    const check = definitions[0]?.checks[0];
    expect(check?.type).toBe("http");
    const url = new URL(check?.type === "http" ? check.url : "");
    expect(Object.keys(compose.services)).toContain(url.hostname);
    expect(compose.services[url.hostname]?.entrypoint?.join(" ")).toContain(`listen(${url.port})`);
  });
});
