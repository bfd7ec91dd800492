/** Test helpers: build byte strings from a mix of byte values and ASCII text. */

/** Numbers are bytes, strings are their ASCII bytes, arrays are spread. */
export function b(...parts: (number | string | readonly number[] | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === "number") out.push(p);
    else if (typeof p === "string") for (let i = 0; i < p.length; i++) out.push(p.charCodeAt(i));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}

/** A fixstr: header byte then ASCII content. */
export function fs(s: string): Uint8Array {
  if (s.length >= 32) throw new Error("fixstr only");
  return b(0xa0 | s.length, s);
}

/** Hex dump with spaces, for readable failures. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (x) => x.toString(16).padStart(2, "0")).join(" ");
}

/** Parses "de ad be ef" style hex. */
export function unhex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
