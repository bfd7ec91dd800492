/**
 * The body of `PUT /v1/agent/check/register` (Consul's CheckDefinition) parsed into a
 * {@link CheckDefinition}: the same check parser as service registrations, plus the rules of
 * a stand-alone check. A check with `ServiceID` attaches to that local service; one without
 * is a node-level check, which counts towards the health of every service of the node.
 *
 * Pure: no Node APIs.
 */
import { InvalidInputError } from "../../errors.js";
import type { CheckDefinition } from "../checks/check-definition.js";
import { MAINTENANCE } from "./local-registry.js";
import { SERF_HEALTH } from "./record.js";
import { CHECK_KEYS, normalizeKeys, parseCheckFor } from "./service-definition.js";

function text(fields: Readonly<Record<string, unknown>>, key: string): string {
  const value = fields[key];
  if (value === undefined || value === null) return "";
  if (typeof value !== "string")
    throw new InvalidInputError(`Request decode failed: Check.${key} must be a string`);
  return value;
}

/**
 * True for the IDs of checks the agent synthesizes (serfHealth, maintenance); registering
 * one would shadow or be shadowed by the agent's own.
 */
export function isReservedCheckId(checkId: string): boolean {
  return (
    checkId === SERF_HEALTH.checkId ||
    checkId === MAINTENANCE.nodeCheckId ||
    checkId.startsWith(MAINTENANCE.serviceCheckPrefix)
  );
}

/** Parses and validates a check registration body. */
export function parseCheckRegistration(body: unknown): CheckDefinition {
  const fields = normalizeKeys(body, CHECK_KEYS, "the check definition");
  const name = text(fields, "Name");
  // Consul requires a name here (a service's check gets one generated) and uses it as the ID.
  if (name === "") throw new InvalidInputError("Missing check name");
  const check = parseCheckFor(fields, {
    serviceId: text(fields, "ServiceID"),
    defaultId: name,
    defaultName: name,
  });
  if (isReservedCheckId(check.CheckID)) {
    throw new InvalidInputError(`Check ID "${check.CheckID}" is reserved for the agent's own checks`);
  }
  if (check.ServiceID !== "" || check.deregisterCriticalServiceAfterMs === undefined) return check;
  // DeregisterCriticalServiceAfter removes a check's service; a node-level check has none.
  const { deregisterCriticalServiceAfterMs: _ignored, ...nodeCheck } = check;
  return nodeCheck;
}
