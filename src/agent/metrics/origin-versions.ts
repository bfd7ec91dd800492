/**
 * The newest catalog version this agent holds from each origin node. Every entry's version is
 * stamped by the node that owns it, so the per-origin maximum says how far this agent has
 * caught up with that node's own changes (tombstones count: a deregistration is a change).
 */
import { compareVersions, type FullState, type Version } from "../catalog/record.js";

/** Origin node name to the newest version held from it, sorted by name. */
export function originVersions(state: FullState): Map<string, Version> {
  const out = new Map<string, Version>();
  const nodes = [...state.nodes].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  for (const node of nodes) {
    let newest: Version | undefined;
    for (const entry of node.entries) {
      if (newest === undefined || compareVersions(entry.version, newest) > 0) newest = entry.version;
    }
    if (newest !== undefined) out.set(node.node, newest);
  }
  return out;
}

/** `generation.counter`, the text form used in JSON and logs. */
export function versionText(version: Version): string {
  return `${version.generation}.${version.counter}`;
}
