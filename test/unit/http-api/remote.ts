import { CatalogStore, type LocalCheck } from "../../../src/agent/catalog/catalog-store.js";
import type { AgentService } from "../../../src/agent/catalog/record.js";
import { type InMemoryAgent, member } from "../../support/in-memory-agent.js";
import { service as catalogService } from "../agent/catalog/helpers.js";

/** Publishes services of a remote node into the agent's catalog, as gossip would. */
export function remoteNode(
  agent: InMemoryAgent,
  name: string,
  address: string,
  services: { service: Partial<AgentService> & { ID: string; Service: string }; checks?: LocalCheck[] }[],
  meta: Record<string, string> = { role: "node" },
): CatalogStore {
  const remote = new CatalogStore({ node: name, address, generation: 1 });
  for (const { service, checks } of services) {
    const full = catalogService(service.ID, service.Service, service);
    agent.catalog.applyRemote(remote.putLocalService(full, checks ?? []));
  }
  agent.setMember({ ...member(name, address), tags: meta });
  return remote;
}

/** A check in a given state. */
export function ttl(id: string, status: LocalCheck["Status"]): LocalCheck {
  return { CheckID: id, Name: id, Status: status, Notes: "", Output: "", Type: "ttl" };
}
