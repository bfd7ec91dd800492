import { afterEach, describe, expect, it } from "vitest";
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
