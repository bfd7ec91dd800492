/**
 * Service definition files in the config directory: the service is in the catalog while its
 * file exists and gone after the file is deleted and the agent restarted from the same data
 * directory (config-file services are not persisted; the files are their source), while a
 * service registered through the API survives the same restart. SIGHUP re-reads the files, and
 * a TTL check's reported status survives a kill -9 (it is persisted with the registration).
 */
import { mkdir, mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../support/serf-agent.js";
import { startShoalAgent, type ShoalAgent } from "../../support/shoal-agent.js";

describe("service definition files in the config directory", () => {
  let root = "";
  let agent: ShoalAgent | undefined;
  const confDir = (): string => join(root, "conf");

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "shoal-config-services-"));
  });

  afterAll(async () => {
    await agent?.kill();
    await rm(root, { recursive: true, force: true });
  });

  const start = (): Promise<ShoalAgent> =>
    startShoalAgent({
      name: "cfg-1",
      dataDir: join(root, "data"),
      profile: "local",
      extraArgs: ["--config-dir", join(root, "conf")],
    });

  const catalogServices = (a: ShoalAgent): Promise<Record<string, string[]>> =>
    a.get<Record<string, string[]>>("/v1/catalog/services");

  it("serves a file's service, forgets it once the file is gone, keeps API registrations", async () => {
    await mkdir(confDir(), { recursive: true });
    const file = join(confDir(), "web.json");
    // Consul's single-service form; the `services: [...]` form is covered by the unit tests.
    await writeFile(file, JSON.stringify({ service: { name: "web", port: 8080, tags: ["v1"] } }));

    agent = await start();
    expect(await catalogServices(agent)).toMatchObject({ web: ["v1"] });
    const [instance] = await agent.get<{ ServicePort: number }[]>("/v1/catalog/service/web");
    expect(instance?.ServicePort).toBe(8080);

    const registered = await agent.send("PUT", "/v1/agent/service/register", { Name: "api-svc", Port: 9090 });
    expect(registered.status).toBe(200);

    // A graceful stop, then the file goes; the data dir stays.
    await agent.stop();
    await unlink(file);
    agent = await start();

    const services = await catalogServices(agent);
    expect(services).not.toHaveProperty("web");
    expect(services).toHaveProperty("api-svc");
    expect(await agent.get<Record<string, unknown>>("/v1/agent/services")).not.toHaveProperty("web");
    const [api] = await agent.get<{ ServicePort: number }[]>("/v1/catalog/service/api-svc");
    expect(api?.ServicePort).toBe(9090);

    // And a kill -9 keeps the API registration too (it was persisted before the ack).
    await agent.kill();
    agent = await start();
    await waitFor("the API registration after kill -9", async () =>
      "api-svc" in (await catalogServices(agent!)) ? true : undefined,
    );
  });

  it("re-reads the service files on SIGHUP", async () => {
    await writeFile(join(confDir(), "a.json"), JSON.stringify({ services: [{ name: "svc-a", port: 1 }] }));
    await agent?.kill();
    agent = await start();
    expect(await catalogServices(agent)).toHaveProperty("svc-a");

    await unlink(join(confDir(), "a.json"));
    await writeFile(join(confDir(), "b.json"), JSON.stringify({ service: { name: "svc-b", port: 2 } }));
    process.kill(agent.pid, "SIGHUP");
    const services = await waitFor("the reload to apply", async () => {
      const now = await catalogServices(agent!);
      return "svc-b" in now && !("svc-a" in now) ? now : undefined;
    });
    expect(services).toHaveProperty("api-svc");
    // Logged once the change is persisted, which may be just after the catalog shows it.
    await waitFor("the reload's log line", () =>
      agent!.logs().includes("SIGHUP: reloaded 1 service definition(s) from config files; removed svc-a")
        ? true
        : undefined,
    );
  });

  it("keeps a TTL check's reported status across kill -9", async () => {
    const registered = await agent!.send("PUT", "/v1/agent/service/register", {
      Name: "ttl-svc",
      Check: { CheckID: "ttl-svc-check", TTL: "10m" },
    });
    expect(registered.status).toBe(200);
    const passed = await agent!.send("PUT", "/v1/agent/check/pass/ttl-svc-check?note=alive");
    expect(passed.status).toBe(200);
    await agent!.kill();
    agent = await start();
    const checks = await agent.get<Record<string, { Status: string; Output: string }>>("/v1/agent/checks");
    expect(checks["ttl-svc-check"]).toMatchObject({ Status: "passing", Output: "alive" });
  });
});
