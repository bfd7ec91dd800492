import { CatalogStore, type LocalCheck } from "../../../../src/agent/catalog/catalog-store.js";
import type { AgentService } from "../../../../src/agent/catalog/record.js";

/** A service with Consul's defaults. */
export function service(id: string, name = id, extra: Partial<AgentService> = {}): AgentService {
  return {
    ID: id,
    Service: name,
    Tags: [],
    Meta: {},
    Port: 80,
    Address: "",
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    ...extra,
  };
}

/** A local check. */
export function check(id: string, status: LocalCheck["Status"] = "passing", output = ""): LocalCheck {
  return { CheckID: id, Name: id, Status: status, Notes: "", Output: output, Type: "ttl" };
}

/** A store for node `node`. */
export function store(node: string, generation = 1): CatalogStore {
  return new CatalogStore({ node, address: `10.0.0.${node.length}`, generation });
}
