/**
 * The seam for a layer above Serf that gossips its own messages through the node (Shoal's
 * service catalog), without real Serf nodes in the same cluster noticing.
 *
 * ## Wire choice
 *
 * **Gossip**: each extension message is a Serf-level message `[messageType][payload]` inside
 * a memberlist user message, piggybacked like Serf's own. `messageType` is a byte Serf does
 * not define (Serf uses 0..9; the catalog uses 200). A real Serf's `delegate.NotifyMsg` falls
 * into its `default` case, logs "Received message of unknown type" and drops it without
 * re-broadcasting (checked in hashicorp/serf `serf/delegate.go`), so the message stops at
 * Serf nodes and travels among Shoal nodes only.
 *
 * **Push/pull state**: carried as one extra key, `ShoalExtension` (bytes), in Serf's own
 * `messagePushPull` map, rather than as a separate stream message after the push/pull. Serf
 * decodes that map with go-msgpack's default `MsgpackHandle`, whose `ErrorIfNoField` is
 * false: an unknown key is skipped (`structFieldNotFound` → `swallow`, checked in
 * hashicorp/go-msgpack `codec/decode.go`), so a real Serf merges its part and ignores ours;
 * the integration test against a real `serf agent` exercises exactly that. One key in the
 * same exchange keeps the extension's anti-entropy atomic with Serf's and costs no extra TCP
 * connection per push/pull, which a trailing `sendReliable` message would.
 */

/** An extension riding on the node (see the file comment for the wire format). */
export interface SwimExtension {
  /** The Serf message type byte for this extension's gossip: not Serf's 0..9 (Shoal uses 200). */
  readonly messageType: number;
  /**
   * A gossiped extension message arrived (payload without the type byte). The node does not
   * re-broadcast it: the extension re-queues news itself through `broadcastExtension` (as
   * Serf re-queues its own new messages), so it can drop what it already has. Must not throw.
   */
  onMessage(payload: Uint8Array, nowMs: number): void;
  /** The full state for a push/pull, or undefined for none. */
  localState(): Uint8Array | undefined;
  /** A peer's full state from a push/pull (`join` as in the push/pull header). Must not throw. */
  mergeRemoteState(state: Uint8Array, join: boolean, nowMs: number): void;
}

/** Serf's own message types (0..9) are off limits for an extension. */
export function checkExtensionType(messageType: number): void {
  if (!Number.isInteger(messageType) || messageType < 10 || messageType > 255) {
    throw new RangeError(`extension message type must be an integer in 10..255, got ${messageType}`);
  }
}
