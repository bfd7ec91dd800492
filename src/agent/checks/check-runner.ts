/**
 * Runs this agent's health checks and reports status changes through a callback (which the
 * agent points at the catalog, whose version bump is what gossips the change).
 *
 * - HTTP and TCP checks probe every interval (first after a random stagger, so a restart does
 *   not fire every probe at once); one probe at a time per check, each bounded by its timeout,
 *   with Consul's consecutive-result thresholds in between.
 * - TTL checks turn critical unless the application reports before the TTL runs out.
 * - A status change is reported at once. An output-only change is reported at most every
 *   `outputSyncIntervalMs` (Consul's check_update_interval), so checks with ever-changing
 *   output do not flood the cluster with gossip.
 * - A reaper deregisters services whose check has been critical longer than its
 *   DeregisterCriticalServiceAfter.
 */
import type { CheckStatus } from "../catalog/record.js";
import type { CheckDefinition, HttpCheckDefinition, TcpCheckDefinition } from "./check-definition.js";
import { httpProbe } from "./http-probe.js";
import { truncateOutput } from "./output.js";
import { StatusHandler } from "./status-handler.js";
import { type ProbeResult, tcpProbe } from "./tcp-probe.js";

/** How interval checks are probed; injectable so tests and fuzzers need no network. */
export interface Probes {
  readonly http: (check: HttpCheckDefinition, timeoutMs: number, signal: AbortSignal) => Promise<ProbeResult>;
  readonly tcp: (address: string, timeoutMs: number, signal: AbortSignal) => Promise<ProbeResult>;
}

/** Options of {@link CheckRunner}. */
export interface CheckRunnerOptions {
  /** A check's reported status or output changed. */
  readonly report: (checkId: string, status: CheckStatus, output: string) => void;
  /** A check stayed critical past its DeregisterCriticalServiceAfter: remove its service. */
  readonly deregisterService: (serviceId: string, checkId: string) => void;
  /** Shortest probe interval; shorter ones are raised to it (Consul: 1 s). */
  readonly minIntervalMs?: number;
  /** How often the reaper runs (Consul: 30 s). */
  readonly reapIntervalMs?: number;
  /** Shortest DeregisterCriticalServiceAfter (Consul: 1 min). */
  readonly minDeregisterAfterMs?: number;
  /** Output-only changes are reported at most this often (Consul: 5 min). */
  readonly outputSyncIntervalMs?: number;
  /** Whether the first probe waits a random part of the interval (default true). */
  readonly stagger?: boolean;
  readonly probes?: Partial<Probes>;
  /** Monotonic milliseconds. */
  readonly clock?: () => number;
}

interface Running {
  readonly def: CheckDefinition;
  readonly handler: StatusHandler | undefined;
  status: CheckStatus;
  output: string;
  lastReportMs: number;
  criticalSinceMs: number | undefined;
  timer: NodeJS.Timeout | undefined;
  readonly abort: AbortController;
}

/** Runs checks; see the file comment. */
export class CheckRunner {
  private readonly checks = new Map<string, Running>();
  private readonly probes: Probes;
  private readonly clock: () => number;
  private readonly reaper: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: CheckRunnerOptions) {
    this.probes = { http: options.probes?.http ?? httpProbe, tcp: options.probes?.tcp ?? tcpProbe };
    this.clock = options.clock ?? (() => performance.now());
    this.reaper = setInterval(() => this.reap(), options.reapIntervalMs ?? 30_000);
    this.reaper.unref();
  }

  /** True if a check with this ID is running. */
  has(checkId: string): boolean {
    return this.checks.has(checkId);
  }

  /** The definition of a running check. */
  definition(checkId: string): CheckDefinition | undefined {
    return this.checks.get(checkId)?.def;
  }

  /**
   * Starts (or restarts) a check from `status`/`output` (its current catalog state, so a
   * re-registration does not reset a passing check).
   */
  add(def: CheckDefinition, status: CheckStatus = def.initialStatus, output = ""): void {
    this.remove(def.CheckID);
    if (this.stopped) return;
    const now = this.clock();
    const running: Running = {
      def,
      handler: def.type === "ttl" ? undefined : new StatusHandler(def),
      status,
      output,
      lastReportMs: now,
      criticalSinceMs: status === "critical" ? now : undefined,
      timer: undefined,
      abort: new AbortController(),
    };
    this.checks.set(def.CheckID, running);
    if (def.type === "ttl") {
      this.armTtl(running);
    } else {
      const interval = this.intervalOf(def);
      const first = this.options.stagger === false ? 0 : Math.floor(Math.random() * interval);
      this.schedule(running, first);
    }
  }

  /** Stops a check; unknown IDs are ignored. */
  remove(checkId: string): void {
    const running = this.checks.get(checkId);
    if (running === undefined) return;
    clearTimeout(running.timer);
    running.abort.abort();
    this.checks.delete(checkId);
  }

  /** Stops every check of a service. */
  removeService(serviceId: string): void {
    for (const [id, running] of [...this.checks]) if (running.def.ServiceID === serviceId) this.remove(id);
  }

  /**
   * A TTL report (pass/warn/fail/update): sets the status and restarts the TTL. Returns false
   * if `checkId` is not a running TTL check.
   */
  updateTtl(checkId: string, status: CheckStatus, output: string): boolean {
    const running = this.checks.get(checkId);
    if (running?.def.type !== "ttl") return false;
    this.apply(running, status, truncateOutput(output, running.def.outputMaxSize), true);
    this.armTtl(running);
    return true;
  }

  /** Stops every check and the reaper. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.reaper);
    for (const id of [...this.checks.keys()]) this.remove(id);
  }

  private intervalOf(def: HttpCheckDefinition | TcpCheckDefinition): number {
    return Math.max(def.intervalMs, this.options.minIntervalMs ?? 1000);
  }

  private schedule(running: Running, delayMs: number): void {
    running.timer = setTimeout(() => void this.probe(running), delayMs);
    running.timer.unref();
  }

  private async probe(running: Running): Promise<void> {
    const def = running.def;
    if (def.type === "ttl") return;
    const signal = running.abort.signal;
    const result =
      def.type === "http"
        ? await this.probes.http(def, def.timeoutMs, signal)
        : await this.probes.tcp(def.tcp, def.timeoutMs, signal);
    if (signal.aborted || this.checks.get(def.CheckID) !== running) return;
    const status = running.handler?.next(result.status);
    this.apply(running, status ?? running.status, truncateOutput(result.output, def.outputMaxSize), false);
    this.schedule(running, this.intervalOf(def));
  }

  private armTtl(running: Running): void {
    const def = running.def;
    if (def.type !== "ttl") return;
    clearTimeout(running.timer);
    running.timer = setTimeout(() => {
      if (this.checks.get(def.CheckID) !== running) return;
      this.apply(
        running,
        "critical",
        `TTL expired (last output before timeout follows): ${running.output}`,
        true,
      );
    }, def.ttlMs);
    running.timer.unref();
  }

  private apply(running: Running, status: CheckStatus, output: string, forceOutput: boolean): void {
    const now = this.clock();
    const statusChanged = status !== running.status;
    const outputDue =
      output !== running.output &&
      (forceOutput || now - running.lastReportMs >= (this.options.outputSyncIntervalMs ?? 300_000));
    if (status === "critical") running.criticalSinceMs ??= now;
    else running.criticalSinceMs = undefined;
    if (!statusChanged && !outputDue) return;
    running.status = status;
    running.output = truncateOutput(output, running.def.outputMaxSize);
    running.lastReportMs = now;
    this.options.report(running.def.CheckID, status, running.output);
  }

  private reap(): void {
    const now = this.clock();
    const minimum = this.options.minDeregisterAfterMs ?? 60_000;
    for (const running of [...this.checks.values()]) {
      const after = running.def.deregisterCriticalServiceAfterMs;
      if (after === undefined || running.criticalSinceMs === undefined) continue;
      if (now - running.criticalSinceMs >= Math.max(after, minimum)) {
        this.options.deregisterService(running.def.ServiceID, running.def.CheckID);
      }
    }
  }
}
