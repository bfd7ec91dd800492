/**
 * The runtime's view of memberlist's outer framing (PROTOCOL.md sections 3.3-3.5): which
 * seal/open options follow from the security settings, how many bytes framing costs per
 * packet, and how a framing failure maps to a {@link DropReason}.
 */
import { CryptoError, ErrorCode, ShoalError } from "../../errors.js";
import type { Keyring } from "../codec/keyring.js";
import { LABEL_MAX_BYTES } from "../codec/label.js";
import { ENCRYPTION_OVERHEAD, LabelMismatchError } from "../codec/security.js";
import type { OpenOptions, SealOptions } from "../codec/security.js";
import { utf8Encode } from "../codec/utf8.js";
import type { DropReasonValue } from "./runtime-stats.js";
import { DropReason } from "./runtime-stats.js";

/** Encryption and label settings (memberlist's names). */
export interface SecuritySettings {
  /** Keys; the primary encrypts. Absent or empty: no encryption. */
  readonly keyring?: Keyring | undefined;
  /** Cluster label; absent or "": none. At most 255 bytes of UTF-8. */
  readonly label?: string | undefined;
  /** Refuse traffic that is not encrypted when we have keys (default true). */
  readonly gossipVerifyIncoming?: boolean | undefined;
  /** Encrypt what we send when we have keys (default true). */
  readonly gossipVerifyOutgoing?: boolean | undefined;
}

/** Throws `SHOAL_ERR_CONFIG` for a label memberlist could not carry. */
export function validateLabel(label: string | undefined): void {
  if (label === undefined) return;
  const size = utf8Encode(label).length;
  if (size > LABEL_MAX_BYTES) {
    throw new ShoalError(
      ErrorCode.config,
      `label ${JSON.stringify(label)} is ${size} bytes; the limit is ${LABEL_MAX_BYTES}`,
    );
  }
}

/** Options for sealing what we send. */
export function sealOptions(s: SecuritySettings): SealOptions {
  const encrypt = s.gossipVerifyOutgoing !== false;
  return { keyring: encrypt ? s.keyring : undefined, label: s.label };
}

/** Options for opening what we receive. */
export function openOptions(s: SecuritySettings, maxStreamBytes?: number): OpenOptions {
  return {
    keyring: s.keyring,
    label: s.label,
    verifyIncoming: s.gossipVerifyIncoming !== false,
    ...(maxStreamBytes !== undefined ? { maxStreamBytes } : {}),
  };
}

/**
 * Bytes every outgoing packet loses to framing: the label header and, when we encrypt, the
 * version + nonce + tag. The core subtracts this from its packet budget
 * (`MemberlistConfig.packetOverheadBytes`) so sealed packets still fit `udpBufferSize`.
 */
export function framingOverheadBytes(s: SecuritySettings): number {
  const label = s.label === undefined || s.label === "" ? 0 : 2 + utf8Encode(s.label).length;
  const encrypts = s.gossipVerifyOutgoing !== false && s.keyring?.enabled === true;
  return label + (encrypts ? ENCRYPTION_OVERHEAD : 0);
}

/** Maps an error thrown by the codec's open/read functions to a drop reason. */
export function dropReasonOf(err: unknown): DropReasonValue {
  if (err instanceof LabelMismatchError) return DropReason.labelMismatch;
  if (err instanceof CryptoError) return DropReason.undecryptable;
  // DecodeError (broken label header, stream frame or message) and anything unexpected.
  return DropReason.malformed;
}
