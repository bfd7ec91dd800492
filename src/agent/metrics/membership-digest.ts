/**
 * A digest of one agent's membership view: sha256 over every member's name, incarnation and
 * Serf status, sorted by name. Two agents with equal digests see the same members in the same
 * states, so a benchmark (or an operator) can tell convergence by comparing one string.
 */
import { DigestBuilder } from "../catalog/canonical.js";

/** What the digest covers of each member. */
export interface DigestMember {
  readonly name: string;
  readonly incarnation: number;
  readonly status: string;
}

/** The hex sha256 of the view; independent of the order members are given in. */
export function membershipDigest(members: readonly DigestMember[]): string {
  const builder = new DigestBuilder();
  // Sorted by code unit, not locale, so every agent orders names identically.
  const sorted = [...members].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const m of sorted) builder.add(`${m.name}\u0000${m.incarnation}\u0000${m.status}`);
  return builder.hex();
}
