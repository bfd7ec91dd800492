/**
 * This agent's own registrations: service definitions, the checks that run for them, and
 * maintenance mode, written through to the catalog (whose version bump gossips them).
 *
 * Durability is the caller's job: the agent persists {@link LocalRegistry.snapshot} after
 * each successful call and before acknowledging it, and restores by replaying it at start.
 */
import { InvalidInputError } from "../../errors.js";
import type { CheckDefinition } from "../checks/check-definition.js";
import { CheckRunner, type CheckRunnerOptions } from "../checks/check-runner.js";
import type { CatalogStore, LocalCheck } from "./catalog-store.js";
import type { AgentService, CheckStatus } from "./record.js";
import type { ServiceDefinition } from "./service-definition.js";

/** Consul's maintenance check IDs, names and default notes. */
export const MAINTENANCE = {
  nodeCheckId: "_node_maintenance",
  serviceCheckPrefix: "_service_maintenance:",
  nodeName: "Node Maintenance Mode",
  serviceName: "Service Maintenance Mode",
  nodeDefaultReason:
    "Maintenance mode is enabled for this node, but no reason was provided. This is a default message.",
  serviceDefaultReason:
    "Maintenance mode is enabled for this service, but no reason was provided. This is a default message.",
} as const;

/** Everything the agent must persist to restore its registrations. */
export interface RegistrySnapshot {
  readonly services: readonly ServiceDefinition[];
  /** Node maintenance reason, if enabled. */
  readonly nodeMaintenance?: string;
  /** Service ID to maintenance reason. */
  readonly serviceMaintenance: Readonly<Record<string, string>>;
}

/** Options of {@link LocalRegistry}. */
export interface LocalRegistryOptions {
  /** Check runner tuning; `report` and `deregisterService` are wired by the registry. */
  readonly runner?: Omit<CheckRunnerOptions, "report" | "deregisterService">;
  /** A service was removed by DeregisterCriticalServiceAfter; the agent persists the removal. */
  readonly onServiceReaped?: (serviceId: string, checkId: string) => void;
}

/** Result of a TTL report. */
export type TtlUpdateResult = "ok" | "unknown" | "not-ttl";

/** The local registrations; see the file comment. */
export class LocalRegistry {
  private readonly definitions = new Map<string, ServiceDefinition>();
  private readonly serviceMaintenance = new Map<string, string>();
  private nodeMaintenance: string | undefined;
  private readonly runner: CheckRunner;

  constructor(
    private readonly store: CatalogStore,
    private readonly options: LocalRegistryOptions = {},
  ) {
    this.runner = new CheckRunner({
      ...options.runner,
      report: (checkId, status, output) => this.store.setLocalCheck(checkId, status, output),
      deregisterService: (serviceId, checkId) => {
        if (this.deregister(serviceId)) this.options.onServiceReaped?.(serviceId, checkId);
      },
    });
  }

  /**
   * Registers (or re-registers) a service. Unless `replaceExistingChecks`, checks registered
   * earlier and absent now are kept, as Consul does. A check that keeps its ID keeps its
   * current status.
   */
  register(
    definition: ServiceDefinition,
    options: { readonly replaceExistingChecks?: boolean } = {},
  ): ServiceDefinition {
    const id = definition.service.ID;
    for (const check of definition.checks) {
      const owner = this.runner.definition(check.CheckID)?.ServiceID;
      if (owner !== undefined && owner !== id) {
        throw new InvalidInputError(`Check ID "${check.CheckID}" is already used by service "${owner}"`);
      }
    }
    const previous = this.definitions.get(id);
    const fresh = new Set(definition.checks.map((c) => c.CheckID));
    const kept =
      options.replaceExistingChecks === true || previous === undefined
        ? []
        : previous.checks.filter((c) => !fresh.has(c.CheckID));
    const merged: ServiceDefinition = {
      service: definition.service,
      checks: [...definition.checks, ...kept],
    };
    // A check ID belongs to one service (checked above), so this service's entry has them all.
    const current = this.store.localChecksOf(id);
    for (const check of previous?.checks ?? []) {
      if (!merged.checks.some((c) => c.CheckID === check.CheckID)) this.runner.remove(check.CheckID);
    }
    this.definitions.set(id, merged);
    this.write(merged.service, (check) => {
      const existing = current.get(check.CheckID);
      return existing === undefined
        ? { status: check.initialStatus, output: "" }
        : { status: existing.Status, output: existing.Output };
    });
    for (const check of merged.checks) {
      const state = current.get(check.CheckID);
      this.runner.add(check, state?.Status ?? check.initialStatus, state?.Output ?? "");
    }
    return merged;
  }

  /** Deregisters a service and its checks; false if it was not registered. */
  deregister(id: string): boolean {
    if (!this.definitions.has(id)) return false;
    this.runner.removeService(id);
    this.definitions.delete(id);
    this.serviceMaintenance.delete(id);
    this.store.removeLocalService(id);
    return true;
  }

  /** A pass/warn/fail/update report for a TTL check. */
  updateTtl(checkId: string, status: CheckStatus, output: string): TtlUpdateResult {
    if (this.runner.updateTtl(checkId, status, output)) return "ok";
    return this.runner.has(checkId) ? "not-ttl" : "unknown";
  }

  /** Turns a service's maintenance mode on or off; false if the service is unknown. */
  setServiceMaintenance(serviceId: string, enable: boolean, reason: string): boolean {
    const definition = this.definitions.get(serviceId);
    if (definition === undefined) return false;
    if (enable)
      this.serviceMaintenance.set(serviceId, reason === "" ? MAINTENANCE.serviceDefaultReason : reason);
    else this.serviceMaintenance.delete(serviceId);
    const current = this.store.localChecksOf(serviceId);
    this.write(definition.service, (check) => {
      const existing = current.get(check.CheckID);
      return { status: existing?.Status ?? check.initialStatus, output: existing?.Output ?? "" };
    });
    return true;
  }

  /** Turns node maintenance mode on or off. */
  setNodeMaintenance(enable: boolean, reason: string): void {
    this.nodeMaintenance = enable ? (reason === "" ? MAINTENANCE.nodeDefaultReason : reason) : undefined;
    const checks: LocalCheck[] =
      this.nodeMaintenance === undefined
        ? []
        : [
            {
              CheckID: MAINTENANCE.nodeCheckId,
              Name: MAINTENANCE.nodeName,
              Status: "critical",
              Notes: this.nodeMaintenance,
              Output: "",
              Type: "maintenance",
            },
          ];
    this.store.putLocalNodeChecks(checks);
  }

  /** One registered definition. */
  definition(id: string): ServiceDefinition | undefined {
    return this.definitions.get(id);
  }

  /** The definition of a running check. */
  checkDefinition(checkId: string): CheckDefinition | undefined {
    return this.runner.definition(checkId);
  }

  /** What to persist. */
  snapshot(): RegistrySnapshot {
    return {
      services: [...this.definitions.values()],
      ...(this.nodeMaintenance === undefined ? {} : { nodeMaintenance: this.nodeMaintenance }),
      serviceMaintenance: Object.fromEntries(this.serviceMaintenance),
    };
  }

  /** Replays a persisted snapshot (at start, before gossip starts). */
  restore(snapshot: RegistrySnapshot): void {
    for (const definition of snapshot.services) this.register(definition, { replaceExistingChecks: true });
    for (const [id, reason] of Object.entries(snapshot.serviceMaintenance))
      this.setServiceMaintenance(id, true, reason);
    if (snapshot.nodeMaintenance !== undefined) this.setNodeMaintenance(true, snapshot.nodeMaintenance);
  }

  /** Stops every check. */
  stop(): void {
    this.runner.stop();
  }

  private write(
    service: AgentService,
    stateOf: (check: CheckDefinition) => { status: CheckStatus; output: string },
  ): void {
    const definition = this.definitions.get(service.ID);
    const checks: LocalCheck[] = (definition?.checks ?? []).map((check) => {
      const { status, output } = stateOf(check);
      return {
        CheckID: check.CheckID,
        Name: check.Name,
        Status: status,
        Notes: check.Notes,
        Output: output,
        Type: check.type,
      };
    });
    const reason = this.serviceMaintenance.get(service.ID);
    if (reason !== undefined) {
      checks.push({
        CheckID: `${MAINTENANCE.serviceCheckPrefix}${service.ID}`,
        Name: MAINTENANCE.serviceName,
        Status: "critical",
        Notes: reason,
        Output: "",
        Type: "maintenance",
      });
    }
    this.store.putLocalService(service, checks);
  }
}
