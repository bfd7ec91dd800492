/**
 * Consul's aggregated health of one service instance (`/v1/agent/health/service/...`): the
 * worst status among its checks and the node's, where a maintenance check outranks
 * everything, and the HTTP status code that carries it (load balancers read only the code).
 */
import { MAINTENANCE } from "../agent/catalog/local-registry.js";
import type { CheckStatus } from "../agent/catalog/record.js";

/** An aggregated status; "maintenance" when a maintenance check is present. */
export type AggregatedStatus = "passing" | "warning" | "critical" | "maintenance";

const RANK: Readonly<Record<AggregatedStatus, number>> = {
  passing: 0,
  warning: 1,
  critical: 2,
  maintenance: 3,
};

function isMaintenance(checkId: string): boolean {
  return checkId === MAINTENANCE.nodeCheckId || checkId.startsWith(MAINTENANCE.serviceCheckPrefix);
}

/** The aggregated status of `checks` (passing when there are none, as in Consul). */
export function aggregatedStatus(
  checks: readonly { readonly CheckID: string; readonly Status: CheckStatus }[],
): AggregatedStatus {
  let worst: AggregatedStatus = "passing";
  for (const check of checks) {
    const status: AggregatedStatus = isMaintenance(check.CheckID) ? "maintenance" : check.Status;
    if (RANK[status] > RANK[worst]) worst = status;
  }
  return worst;
}

/** 200 passing, 429 warning, 503 critical or maintenance. */
export function aggregatedStatusCode(status: AggregatedStatus): 200 | 429 | 503 {
  return status === "passing" ? 200 : status === "warning" ? 429 : 503;
}

/** The worse of two aggregated statuses. */
export function worseStatus(a: AggregatedStatus, b: AggregatedStatus): AggregatedStatus {
  return RANK[b] > RANK[a] ? b : a;
}
