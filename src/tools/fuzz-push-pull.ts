/**
 * Push/pull streams as a Shoal peer sends them, for the live fuzzer: memberlist's node states,
 * Serf's push/pull state (status times, left members, event history) and, in Serf's state,
 * Shoal's catalog (`ShoalExtension`). Mutations of these reach every decoder a push/pull passes
 * through on its way in: memberlist's, Serf's and the catalog's. A generic stream message
 * (`genStream`) is usually a ping or a bare user message, which never gets that far.
 */
import { encodeFullState } from "../agent/catalog/wire.js";
import type { CheckStatus, FullState, HealthCheck, ServiceEntry } from "../agent/catalog/record.js";
import { encodeSerfMessage } from "../swim/codec/serf-messages.js";
import { encodeStreamMessage } from "../swim/codec/stream.js";
import { anyUint, type FuzzRng, genPushPullMessage, genSerfPushPull, str } from "./fuzz-inputs.js";

const STATUSES: readonly CheckStatus[] = ["passing", "warning", "critical"];

/** A random, valid, plaintext push/pull stream with Serf state and a catalog, compressed or not. */
export function genShoalPushPull(rng: FuzzRng): Uint8Array {
  const serf = { ...genSerfPushPull(rng), extension: encodeFullState(genFullState(rng)) };
  return encodeStreamMessage(genPushPullMessage(rng, encodeSerfMessage(serf)), {
    compress: rng.chance(0.4),
  });
}

function genFullState(rng: FuzzRng): FullState {
  return {
    from: str(rng),
    fromVersion: { generation: anyUint(rng, 1e9), counter: anyUint(rng, 1e9) },
    nodes: Array.from({ length: rng.int(6) }, () => {
      const node = str(rng);
      return {
        node,
        address: `10.0.${rng.int(256)}.${rng.int(256)}`,
        entries: Array.from({ length: rng.int(5) }, () => genEntry(rng, node)),
      };
    }),
  };
}

function genEntry(rng: FuzzRng, node: string): ServiceEntry {
  const id = str(rng);
  const name = str(rng);
  const tags = Array.from({ length: rng.int(4) }, () => str(rng));
  const version = { generation: anyUint(rng, 1e9), counter: anyUint(rng, 1e9) };
  // A deregistration travels as a tombstone: no service, no checks.
  if (rng.chance(0.15)) return { id, version, service: null, checks: [] };
  const check = (): HealthCheck => ({
    Node: node,
    CheckID: str(rng),
    Name: str(rng),
    Status: rng.pick(STATUSES),
    Notes: str(rng),
    Output: str(rng),
    ServiceID: id,
    ServiceName: name,
    ServiceTags: tags,
    Type: rng.pick(["http", "tcp", "ttl", ""]),
  });
  return {
    id,
    version,
    service: {
      ID: id,
      Service: name,
      Tags: tags,
      Meta: Object.fromEntries(Array.from({ length: rng.int(3) }, () => [str(rng), str(rng)])),
      Port: anyUint(rng, 0xffff),
      Address: rng.chance(0.5) ? "" : `192.168.${rng.int(256)}.${rng.int(256)}`,
      Weights: { Passing: 1 + rng.int(10), Warning: rng.int(3) },
      EnableTagOverride: rng.chance(0.1),
    },
    checks: Array.from({ length: rng.int(3) }, check),
  };
}
