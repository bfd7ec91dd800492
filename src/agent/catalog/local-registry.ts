/**
 * This agent's own registrations: service definitions, the checks that run for them,
 * node-level checks, and maintenance mode, written through to the catalog (whose version
 * bump gossips them). A check registered on its own (`PUT /v1/agent/check/register`) for a
 * service becomes part of that service's definition, so it persists, and is dropped by a
 * re-registration with `replace-existing-checks`, as in Consul.
 *
 * Durability is the caller's job: the agent persists {@link LocalRegistry.snapshot} after
 * each successful call and before acknowledging it, and restores by replaying it at start.
 * Services from definition files in the config directory are not part of the snapshot: the
 * files are their source, read on each start, so deleting a file removes its service.
 */
import { InvalidInputError } from "../../errors.js";
import type { CheckDefinition } from "../checks/check-definition.js";
import { CheckRunner, type CheckRunnerOptions } from "../checks/check-runner.js";
import type { CatalogStore, LocalCheck } from "./catalog-store.js";
import { type AgentService, type CheckStatus, NODE_ENTRY_ID } from "./record.js";
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
  /** Node-level checks (absent in snapshots written before they existed, and when none). */
  readonly nodeChecks?: readonly CheckDefinition[];
  /** The last report of each TTL check, by check ID (absent when none). */
  readonly ttlStatus?: Readonly<Record<string, TtlReport>>;
}

/**
 * A TTL check's last pass/warn/fail report, persisted so a restart does not reset a reporting
 * application's check to its initial status (Consul keeps it too). `expiresAtMs` is wall-clock
 * time, as it must survive the process: a report whose TTL ran out before the restart is not
 * restored, as in Consul.
 */
export interface TtlReport {
  readonly status: CheckStatus;
  readonly output: string;
  readonly expiresAtMs: number;
}

/** Options of {@link LocalRegistry}. */
export interface LocalRegistryOptions {
  /** Check runner tuning; `report` and `deregisterService` are wired by the registry. */
  readonly runner?: Omit<CheckRunnerOptions, "report" | "deregisterService">;
  /** A service was removed by DeregisterCriticalServiceAfter; the agent persists the removal. */
  readonly onServiceReaped?: (serviceId: string, checkId: string) => void;
}

/**
 * Where a service definition came from: "api" (HTTP API or CLI, persisted) or "config" (a
 * definition file, re-read on each start and never persisted).
 */
export type RegistrationSource = "api" | "config";

/** Result of a TTL report. */
export type TtlUpdateResult = "ok" | "unknown" | "not-ttl";

/** Result of a check registration: "unknown-service" when its ServiceID is not registered. */
export type CheckRegisterResult = "ok" | "unknown-service";

function ownerText(serviceId: string): string {
  return serviceId === NODE_ENTRY_ID ? "the node" : `service "${serviceId}"`;
}

/** The local registrations; see the file comment. */
export class LocalRegistry {
  private readonly definitions = new Map<string, ServiceDefinition>();
  private readonly nodeChecks = new Map<string, CheckDefinition>();
  private readonly serviceMaintenance = new Map<string, string>();
  /** IDs of services whose current definition came from a config file. */
  private readonly fromConfig = new Set<string>();
  /** The last report of each TTL check; entries of removed checks are skipped by snapshot(). */
  private readonly ttlReports = new Map<string, TtlReport>();
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
   * current status. `source` (default "api") decides whether {@link snapshot} persists it; the
   * latest registration of an ID sets it.
   */
  register(
    definition: ServiceDefinition,
    options: { readonly replaceExistingChecks?: boolean; readonly source?: RegistrationSource } = {},
  ): ServiceDefinition {
    const id = definition.service.ID;
    for (const check of definition.checks) {
      const owner = this.runner.definition(check.CheckID)?.ServiceID;
      if (owner !== undefined && owner !== id) {
        throw new InvalidInputError(`Check ID "${check.CheckID}" is already used by ${ownerText(owner)}`);
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
      if (!merged.checks.some((c) => c.CheckID === check.CheckID)) this.forgetCheck(check.CheckID);
    }
    this.definitions.set(id, merged);
    if (options.source === "config") this.fromConfig.add(id);
    else this.fromConfig.delete(id);
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
    const definition = this.definitions.get(id);
    if (definition === undefined) return false;
    for (const check of definition.checks) this.ttlReports.delete(check.CheckID);
    this.runner.removeService(id);
    this.definitions.delete(id);
    this.fromConfig.delete(id);
    this.serviceMaintenance.delete(id);
    this.store.removeLocalService(id);
    return true;
  }

  /**
   * Registers (or replaces) one check: node-level without a ServiceID, else attached to that
   * service. A check that keeps its ID keeps its current status, as in {@link register}.
   */
  registerCheck(check: CheckDefinition): CheckRegisterResult {
    const owner = this.runner.definition(check.CheckID)?.ServiceID;
    if (owner !== undefined && owner !== check.ServiceID) {
      throw new InvalidInputError(`Check ID "${check.CheckID}" is already used by ${ownerText(owner)}`);
    }
    const current = this.store.localChecksOf(check.ServiceID).get(check.CheckID);
    if (check.ServiceID === NODE_ENTRY_ID) {
      this.nodeChecks.set(check.CheckID, check);
      this.writeNode();
    } else {
      const definition = this.definitions.get(check.ServiceID);
      if (definition === undefined) return "unknown-service";
      const others = definition.checks.filter((c) => c.CheckID !== check.CheckID);
      this.rewrite({ service: definition.service, checks: [...others, check] });
    }
    // After the catalog write: the runner reports into the catalog entry that now holds it.
    this.runner.add(check, current?.Status ?? check.initialStatus, current?.Output ?? "");
    return "ok";
  }

  /** Deregisters a check registered here (not a maintenance check); false if unknown. */
  deregisterCheck(checkId: string): boolean {
    const check = this.runner.definition(checkId);
    if (check === undefined) return false;
    this.forgetCheck(checkId);
    if (check.ServiceID === NODE_ENTRY_ID) {
      this.nodeChecks.delete(checkId);
      this.writeNode();
      return true;
    }
    const definition = this.definitions.get(check.ServiceID);
    if (definition !== undefined) {
      const checks = definition.checks.filter((c) => c.CheckID !== checkId);
      this.rewrite({ service: definition.service, checks });
    }
    return true;
  }

  /** A pass/warn/fail/update report for a TTL check. */
  updateTtl(checkId: string, status: CheckStatus, output: string): TtlUpdateResult {
    const definition = this.runner.definition(checkId);
    if (definition === undefined) return "unknown";
    if (definition.type !== "ttl" || !this.runner.updateTtl(checkId, status, output)) return "not-ttl";
    this.ttlReports.set(checkId, { status, output, expiresAtMs: Date.now() + definition.ttlMs });
    return "ok";
  }

  /** Turns a service's maintenance mode on or off; false if the service is unknown. */
  setServiceMaintenance(serviceId: string, enable: boolean, reason: string): boolean {
    const definition = this.definitions.get(serviceId);
    if (definition === undefined) return false;
    if (enable)
      this.serviceMaintenance.set(serviceId, reason === "" ? MAINTENANCE.serviceDefaultReason : reason);
    else this.serviceMaintenance.delete(serviceId);
    this.rewrite(definition);
    return true;
  }

  /** Turns node maintenance mode on or off. */
  setNodeMaintenance(enable: boolean, reason: string): void {
    this.nodeMaintenance = enable ? (reason === "" ? MAINTENANCE.nodeDefaultReason : reason) : undefined;
    this.writeNode();
  }

  /** One registered definition. */
  definition(id: string): ServiceDefinition | undefined {
    return this.definitions.get(id);
  }

  /** The definition of a running check. */
  checkDefinition(checkId: string): CheckDefinition | undefined {
    return this.runner.definition(checkId);
  }

  /** Where the current definition of service `id` came from; undefined if not registered. */
  sourceOf(id: string): RegistrationSource | undefined {
    if (!this.definitions.has(id)) return undefined;
    return this.fromConfig.has(id) ? "config" : "api";
  }

  /**
   * Makes the config-file services exactly `definitions` (a SIGHUP reload): config-file
   * services no longer defined are deregistered, the rest registered again (their checks'
   * states kept where IDs match). A definition whose ID was registered through the API becomes
   * a config-file one, as at start. Returns the IDs removed.
   */
  replaceConfigServices(definitions: readonly ServiceDefinition[]): string[] {
    const keep = new Set(definitions.map((d) => d.service.ID));
    const removed = [...this.fromConfig].filter((id) => !keep.has(id));
    for (const id of removed) this.deregister(id);
    for (const definition of definitions)
      this.register(definition, { replaceExistingChecks: true, source: "config" });
    return removed;
  }

  /**
   * What to persist: API registrations only. Config-file services are left out, or a service
   * whose file was deleted would come back from the snapshot on the next start. Maintenance
   * of a config-file service is kept: it applies again if the file still defines the service.
   */
  snapshot(): RegistrySnapshot {
    return {
      services: [...this.definitions.values()].filter((d) => !this.fromConfig.has(d.service.ID)),
      ...(this.nodeMaintenance === undefined ? {} : { nodeMaintenance: this.nodeMaintenance }),
      serviceMaintenance: Object.fromEntries(this.serviceMaintenance),
      ...(this.nodeChecks.size === 0 ? {} : { nodeChecks: [...this.nodeChecks.values()] }),
      ...this.ttlSnapshot(),
    };
  }

  /** Reports of TTL checks still running as TTL checks (one redefined as another type is not). */
  private ttlSnapshot(): { ttlStatus?: Record<string, TtlReport> } {
    const out: Record<string, TtlReport> = {};
    for (const [id, report] of this.ttlReports) {
      if (this.runner.definition(id)?.type === "ttl") out[id] = report;
    }
    return Object.keys(out).length === 0 ? {} : { ttlStatus: out };
  }

  /** Stops a check and drops its TTL report: a check registered again later starts afresh. */
  private forgetCheck(checkId: string): void {
    this.runner.remove(checkId);
    this.ttlReports.delete(checkId);
  }

  /**
   * Replays a persisted snapshot (at start, after the config-file services). A saved service
   * whose ID a config file defines is skipped: as in Consul, the config file wins over an
   * earlier API registration of the same ID.
   */
  restore(snapshot: RegistrySnapshot): void {
    for (const definition of snapshot.services) {
      if (this.fromConfig.has(definition.service.ID)) continue;
      this.register(definition, { replaceExistingChecks: true });
    }
    for (const [id, reason] of Object.entries(snapshot.serviceMaintenance))
      this.setServiceMaintenance(id, true, reason);
    for (const check of snapshot.nodeChecks ?? []) this.registerCheck(check);
    if (snapshot.nodeMaintenance !== undefined) this.setNodeMaintenance(true, snapshot.nodeMaintenance);
    // Like a report arriving now: the TTL starts over from the restart, as in Consul.
    const now = Date.now();
    for (const [id, report] of Object.entries(snapshot.ttlStatus ?? {})) {
      if (report.expiresAtMs > now) this.updateTtl(id, report.status, report.output);
    }
  }

  /** Stops every check. */
  stop(): void {
    this.runner.stop();
  }

  /** Stores `definition` and writes it to the catalog, keeping its checks' current states. */
  private rewrite(definition: ServiceDefinition): void {
    const current = this.store.localChecksOf(definition.service.ID);
    this.definitions.set(definition.service.ID, definition);
    this.write(definition.service, (check) => {
      const existing = current.get(check.CheckID);
      return { status: existing?.Status ?? check.initialStatus, output: existing?.Output ?? "" };
    });
  }

  /** Writes the node-level checks (registered ones, then node maintenance) to the catalog. */
  private writeNode(): void {
    const current = this.store.localChecksOf(NODE_ENTRY_ID);
    const checks: LocalCheck[] = [...this.nodeChecks.values()].map((check) => {
      const existing = current.get(check.CheckID);
      return localCheck(check, existing?.Status ?? check.initialStatus, existing?.Output ?? "");
    });
    if (this.nodeMaintenance !== undefined) {
      checks.push({
        CheckID: MAINTENANCE.nodeCheckId,
        Name: MAINTENANCE.nodeName,
        Status: "critical",
        Notes: this.nodeMaintenance,
        Output: "",
        Type: "maintenance",
      });
    }
    this.store.putLocalNodeChecks(checks);
  }

  private write(
    service: AgentService,
    stateOf: (check: CheckDefinition) => { status: CheckStatus; output: string },
  ): void {
    const definition = this.definitions.get(service.ID);
    const checks: LocalCheck[] = (definition?.checks ?? []).map((check) => {
      const { status, output } = stateOf(check);
      return localCheck(check, status, output);
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

function localCheck(check: CheckDefinition, status: CheckStatus, output: string): LocalCheck {
  return {
    CheckID: check.CheckID,
    Name: check.Name,
    Status: status,
    Notes: check.Notes,
    Output: output,
    Type: check.type,
  };
}
