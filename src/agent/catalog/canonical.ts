/**
 * Canonical JSON (object keys sorted, no whitespace) and the catalog digest built from it.
 * Two agents whose replicated content is equal produce byte-equal canonical text, whatever
 * order they learned things in, so equal digests mean converged catalogs.
 */
import { createHash } from "node:crypto";

/** JSON text with object keys sorted at every level; `undefined` members are dropped like JSON.stringify. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(",")}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${parts.join(",")}}`;
}

/** Incremental sha256 over canonical pieces, hex-encoded. */
export class DigestBuilder {
  private readonly hash = createHash("sha256");

  /** Adds one piece, framed by its length so that piece boundaries are part of the digest. */
  add(piece: string): this {
    this.hash.update(`${piece.length}:`);
    this.hash.update(piece);
    return this;
  }

  /** The hex digest. */
  hex(): string {
    return this.hash.digest("hex");
  }
}
