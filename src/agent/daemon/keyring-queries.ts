/**
 * Cluster-wide key rotation the way Serf does it (`serf/keymanager.go`, `internal_query.go`):
 * the operator's node sends `_serf_{install,use,remove,list}-key` queries; every node,
 * Shoal or Serf, changes its own keyring and answers with a key response. Also the answering
 * side: what this agent does with such a query.
 */
import {
  decodeKeyRequest,
  decodeKeyResponse,
  encodeKeyRequest,
  encodeKeyResponse,
} from "../../swim/codec/serf-messages.js";
import { Keyring, decodeKeyBase64, encodeKeyBase64 } from "../../swim/codec/keyring.js";
import type { KeyResponse } from "../../swim/codec/types.js";
import type { KeyringResponse } from "../../http-api/agent-view.js";

/** The key operations and their internal query names. */
export const KEY_QUERIES = {
  install: "_serf_install-key",
  use: "_serf_use-key",
  remove: "_serf_remove-key",
  list: "_serf_list-keys",
} as const;

/** One of the key operations. */
export type KeyOperation = keyof typeof KEY_QUERIES;

/** The operation a query name stands for, if it is one. */
export function keyOperationOf(queryName: string): KeyOperation | undefined {
  for (const [op, name] of Object.entries(KEY_QUERIES)) if (name === queryName) return op as KeyOperation;
  return undefined;
}

/** The query payload for an operation (`list` carries none). */
export function keyQueryPayload(op: KeyOperation, key: string | undefined): Uint8Array {
  if (op === "list" || key === undefined) return new Uint8Array(0);
  return encodeKeyRequest({ key: decodeKeyBase64(key) });
}

/**
 * Applies a received key query to `keyring`: the new keyring (unchanged on error) and the
 * response payload to send back. Removing the primary key is refused, as Serf refuses it.
 */
export function answerKeyQuery(
  op: KeyOperation,
  payload: Uint8Array,
  keyring: Keyring | undefined,
): { readonly keyring: Keyring | undefined; readonly response: Uint8Array } {
  const reply = (result: boolean, message: string, ring: Keyring | undefined): Uint8Array =>
    encodeKeyResponse({
      result,
      message,
      keys: ring?.list() ?? [],
      primaryKey: ring?.keys[0] === undefined ? "" : encodeKeyBase64(ring.keys[0]),
    });
  if (keyring === undefined || keyring.keys.length === 0) {
    return { keyring, response: reply(false, "encryption is not enabled on this node", keyring) };
  }
  if (op === "list") return { keyring, response: reply(true, "", keyring) };
  try {
    const key = decodeKeyRequest(payload).key;
    const next =
      op === "install" ? keyring.install(key) : op === "use" ? keyring.use(key) : keyring.remove(key);
    return { keyring: next, response: reply(true, "", next) };
  } catch (error) {
    return { keyring, response: reply(false, (error as Error).message, keyring) };
  }
}

/**
 * Folds the nodes' key responses into Consul's keyring answer.
 *
 * @param asked The alive members when the query went out: each one that did not answer is
 *   named in the messages, so an operator knows which node to look at.
 */
export function summarizeKeyResponses(
  responses: readonly { readonly from: string; readonly payload: Uint8Array }[],
  asked: readonly string[],
): KeyringResponse {
  const keys: Record<string, number> = {};
  const primaryKeys: Record<string, number> = {};
  const messages: Record<string, string> = {};
  for (const r of responses) {
    let decoded: KeyResponse;
    try {
      decoded = decodeKeyResponse(r.payload);
    } catch {
      messages[r.from] = "undecodable key response";
      continue;
    }
    if (!decoded.result) messages[r.from] = decoded.message === "" ? "failed" : decoded.message;
    for (const k of decoded.keys) keys[k] = (keys[k] ?? 0) + 1;
    if (decoded.primaryKey !== "")
      primaryKeys[decoded.primaryKey] = (primaryKeys[decoded.primaryKey] ?? 0) + 1;
  }
  const answered = new Set(responses.map((r) => r.from));
  for (const node of asked) {
    if (!answered.has(node)) messages[node] = "no response before the query timeout";
  }
  return { keys, primaryKeys, numNodes: asked.length, messages };
}

export { Keyring };
