import { afterEach, describe, expect, it } from "vitest";
import { parseCheckRegistration } from "../../../../src/agent/catalog/check-registration.js";
import { LocalRegistry, MAINTENANCE } from "../../../../src/agent/catalog/local-registry.js";
import { parseServiceDefinition } from "../../../../src/agent/catalog/service-definition.js";
import { InvalidInputError } from "../../../../src/errors.js";
import { eventually } from "../checks/servers.js";
import { store } from "./helpers.js";

const registries: LocalRegistry[] = [];
afterEach(() => {
  for (const r of registries.splice(0)) r.stop();
});

function setup(options: ConstructorParameters<typeof LocalRegistry>[1] = {}) {
  const s = store("a");
  const registry = new LocalRegistry(s, { runner: { stagger: false, minIntervalMs: 10 }, ...options });
  registries.push(registry);
  return { s, registry };
}

describe("LocalRegistry", () => {
  it("writes services and their checks into the catalog", () => {
    const { s, registry } = setup();
    registry.register(
      parseServiceDefinition({ Name: "web", Port: 80, Check: { TTL: "10s", Status: "passing" } }),
    );
    expect(s.localService("web")).toMatchObject({ Port: 80 });
    expect(s.localCheck("service:web")).toMatchObject({ Status: "passing", Type: "ttl", ServiceName: "web" });
  });

  it("routes TTL reports and says which checks are unknown or not TTL", () => {
    const { s, registry } = setup();
    registry.register(
      parseServiceDefinition({
        Name: "web",
        Checks: [
          { TTL: "10s", ID: "t" },
          { TCP: "127.0.0.1:1", Interval: "1h", ID: "p" },
        ],
      }),
    );
    expect(registry.updateTtl("t", "warning", "slow")).toBe("ok");
    expect(s.localCheck("t")).toMatchObject({ Status: "warning", Output: "slow" });
    expect(registry.updateTtl("p", "passing", "")).toBe("not-ttl");
    expect(registry.updateTtl("x", "passing", "")).toBe("unknown");
  });

  it("keeps earlier checks on re-registration unless told to replace them, and keeps their status", () => {
    const { s, registry } = setup();
    registry.register(
      parseServiceDefinition({
        Name: "web",
        Checks: [
          { TTL: "10s", ID: "a" },
          { TTL: "10s", ID: "b" },
        ],
      }),
    );
    registry.updateTtl("a", "passing", "ok");
    registry.register(parseServiceDefinition({ Name: "web", Port: 81, Checks: [{ TTL: "10s", ID: "a" }] }));
    expect(s.localChecks().map((c) => c.CheckID)).toEqual(["a", "b"]);
    expect(s.localCheck("a")!.Status).toBe("passing");
    registry.register(parseServiceDefinition({ Name: "web", Checks: [{ TTL: "10s", ID: "a" }] }), {
      replaceExistingChecks: true,
    });
    expect(s.localChecks().map((c) => c.CheckID)).toEqual(["a"]);
    expect(registry.updateTtl("b", "passing", "")).toBe("unknown");
  });

  it("refuses a check ID that belongs to another service", () => {
    const { registry } = setup();
    registry.register(parseServiceDefinition({ Name: "web", Check: { TTL: "10s", ID: "shared" } }));
    expect(() =>
      registry.register(parseServiceDefinition({ Name: "db", Check: { TTL: "10s", ID: "shared" } })),
    ).toThrow(InvalidInputError);
  });

  it("adds and removes maintenance checks", () => {
    const { s, registry } = setup();
    registry.register(parseServiceDefinition({ Name: "web" }));
    expect(registry.setServiceMaintenance("web", true, "")).toBe(true);
    expect(s.localCheck(`${MAINTENANCE.serviceCheckPrefix}web`)).toMatchObject({
      Status: "critical",
      Notes: MAINTENANCE.serviceDefaultReason,
      Type: "maintenance",
    });
    expect(registry.setServiceMaintenance("nope", true, "")).toBe(false);
    registry.setNodeMaintenance(true, "patching");
    expect(s.nodeChecks("a").map((c) => c.CheckID)).toEqual([
      "serfHealth",
      MAINTENANCE.nodeCheckId,
      "_service_maintenance:web",
    ]);
    expect(s.instances("web")[0]!.nodeChecks[1]).toMatchObject({ Notes: "patching", Status: "critical" });
    registry.setNodeMaintenance(false, "");
    registry.setServiceMaintenance("web", false, "");
    expect(s.localChecks()).toEqual([]);
  });

  it("snapshots and restores everything the agent must persist", () => {
    const { registry } = setup();
    registry.register(parseServiceDefinition({ Name: "web", Check: { TTL: "10s" } }));
    registry.setServiceMaintenance("web", true, "why");
    registry.setNodeMaintenance(true, "node why");
    const snapshot = JSON.parse(JSON.stringify(registry.snapshot())) as ReturnType<LocalRegistry["snapshot"]>;
    const { s: restored, registry: again } = setup();
    again.restore(snapshot);
    expect(restored.localService("web")).toBeDefined();
    expect(restored.localChecks().map((c) => c.CheckID)).toEqual([
      "_node_maintenance",
      "_service_maintenance:web",
      "service:web",
    ]);
    expect(again.snapshot()).toEqual(snapshot);
  });

  it("persists API registrations only: config-file services come from their files", () => {
    const { registry } = setup();
    registry.register(parseServiceDefinition({ Name: "file" }), { source: "config" });
    registry.register(parseServiceDefinition({ Name: "api" }));
    expect(registry.sourceOf("file")).toBe("config");
    expect(registry.sourceOf("api")).toBe("api");
    expect(registry.snapshot().services.map((d) => d.service.ID)).toEqual(["api"]);
    // Re-registering through the API makes it an API registration, persisted from then on.
    registry.register(parseServiceDefinition({ Name: "file", Port: 1 }));
    expect(registry.snapshot().services.map((d) => d.service.ID)).toEqual(["file", "api"]);
  });

  it("restores a saved service only if no config file defines its ID", () => {
    const { registry } = setup();
    registry.register(parseServiceDefinition({ Name: "web", Port: 1 }));
    registry.register(parseServiceDefinition({ Name: "db", Port: 2 }));
    const snapshot = registry.snapshot();
    const { s, registry: again } = setup();
    again.register(parseServiceDefinition({ Name: "web", Port: 3 }), { source: "config" });
    again.restore(snapshot);
    expect(s.localService("web")).toMatchObject({ Port: 3 });
    expect(s.localService("db")).toMatchObject({ Port: 2 });
    expect(again.sourceOf("web")).toBe("config");
  });

  it("replaces the config-file services on reload, leaving API ones alone", () => {
    const { s, registry } = setup();
    registry.register(parseServiceDefinition({ Name: "old" }), { source: "config" });
    registry.register(parseServiceDefinition({ Name: "kept", Port: 1 }), { source: "config" });
    registry.register(parseServiceDefinition({ Name: "api" }));
    const removed = registry.replaceConfigServices([
      parseServiceDefinition({ Name: "kept", Port: 2 }),
      parseServiceDefinition({ Name: "new" }),
    ]);
    expect(removed).toEqual(["old"]);
    expect(s.localService("old")).toBeUndefined();
    expect(s.localService("kept")).toMatchObject({ Port: 2 });
    expect(registry.sourceOf("new")).toBe("config");
    expect(registry.sourceOf("api")).toBe("api");
  });

  it("persists TTL reports and restores those whose TTL has not run out", () => {
    const { registry } = setup();
    registry.register(
      parseServiceDefinition({
        Name: "web",
        Checks: [
          { TTL: "1h", ID: "fresh" },
          { TTL: "1h", ID: "stale" },
          { TTL: "1h", ID: "silent" },
        ],
      }),
    );
    expect(registry.updateTtl("fresh", "passing", "ok")).toBe("ok");
    expect(registry.updateTtl("stale", "warning", "meh")).toBe("ok");
    const saved = registry.snapshot();
    expect(saved.ttlStatus?.["fresh"]).toMatchObject({ status: "passing", output: "ok" });
    expect(saved.ttlStatus).not.toHaveProperty("silent");
    // "stale" ran out before the restart: it starts from its initial status, as in Consul.
    const snapshot = {
      ...saved,
      ttlStatus: { ...saved.ttlStatus, stale: { status: "warning" as const, output: "meh", expiresAtMs: 1 } },
    };
    const { s, registry: again } = setup();
    again.restore(snapshot);
    expect(s.localCheck("fresh")).toMatchObject({ Status: "passing", Output: "ok" });
    expect(s.localCheck("stale")).toMatchObject({ Status: "critical" });
    expect(s.localCheck("silent")).toMatchObject({ Status: "critical" });
  });

  it("drops the TTL report of a removed check", () => {
    const { registry } = setup();
    registry.register(parseServiceDefinition({ Name: "web", Checks: [{ TTL: "1h", ID: "t" }] }));
    registry.registerCheck(parseCheckRegistration({ ID: "n", Name: "n", TTL: "1h" }));
    registry.updateTtl("t", "passing", "");
    registry.updateTtl("n", "passing", "");
    expect(Object.keys(registry.snapshot().ttlStatus ?? {}).sort()).toEqual(["n", "t"]);
    registry.deregisterCheck("n");
    registry.deregister("web");
    expect(registry.snapshot().ttlStatus).toBeUndefined();
    registry.register(parseServiceDefinition({ Name: "web", Checks: [{ TTL: "1h", ID: "t" }] }));
    expect(registry.snapshot().ttlStatus).toBeUndefined();
  });

  it("deregisters a service whose check stays critical, and tells the agent", async () => {
    const reaped: string[] = [];
    const { s, registry } = setup({
      runner: { stagger: false, reapIntervalMs: 10, minDeregisterAfterMs: 0 },
      onServiceReaped: (id) => reaped.push(id),
    });
    registry.register(
      parseServiceDefinition({ Name: "web", Check: { TTL: "1h", DeregisterCriticalServiceAfter: "20ms" } }),
    );
    await eventually(() => reaped.length > 0);
    expect(reaped).toEqual(["web"]);
    expect(s.localService("web")).toBeUndefined();
    expect(registry.deregister("web")).toBe(false);
  });
});
