/**
 * The address a node tells its peers (memberlist's AdvertiseAddr/Port) versus the one it
 * binds. Binding `0.0.0.0` listens everywhere, but peers need one concrete IP; like
 * memberlist's `GetPrivateIP`, an unspecified bind host picks this machine's first private
 * address of the same family, so containers work without flags.
 */
import { networkInterfaces } from "node:os";
import { ErrorCode, ShoalError } from "../../errors.js";
import type { Address } from "../core/api.js";
import { ipFamily, isUnspecifiedHost, parseHostPort } from "./address.js";

/** Marks "no port given" while parsing an advertise string, so the bound port fills in. */
const NO_PORT = -1;

/** RFC 1918, shared (RFC 6598) and IPv6 unique-local ranges. */
function isPrivate(host: string): boolean {
  if (/^10\./.test(host) || /^192\.168\./.test(host)) return true;
  if (/^172\.(1[6-9]|2\d|3[01])\./.test(host)) return true;
  if (/^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./.test(host)) return true;
  return /^f[cd][0-9a-f]{2}:/i.test(host);
}

/** This machine's first private non-loopback address of `family`, if any. */
/** The first non-internal address of the family, private or not. */
function anyExternalAddress(family: 4 | 6): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) {
      if (!nic.internal && (nic.family === "IPv6") === (family === 6) && !nic.address.startsWith("fe80")) {
        return nic.address;
      }
    }
  }
  return undefined;
}

export function privateAddress(family: 4 | 6): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) {
      if (nic.internal) continue;
      if ((nic.family === "IPv6") !== (family === 6)) continue;
      if (isPrivate(nic.address)) return nic.address;
    }
  }
  return undefined;
}

/**
 * Resolves the advertised address: `advertise` if given (host, and port unless omitted),
 * else the bind host, else (bind host unspecified) this machine's private address. The port
 * defaults to the port actually bound. Throws `SHOAL_ERR_CONFIG` naming what is missing.
 */
export function resolveAdvertise(advertise: string | Address | undefined, bound: Address): Address {
  if (advertise !== undefined) {
    const hp = typeof advertise === "string" ? parseHostPort(advertise, NO_PORT) : advertise;
    ipFamily(hp.host); // advertised hosts go on the wire as IP bytes: no names here
    if (isUnspecifiedHost(hp.host)) {
      throw new ShoalError(
        ErrorCode.config,
        `cannot advertise the unspecified address ${JSON.stringify(hp.host)}`,
      );
    }
    return { host: hp.host, port: hp.port === NO_PORT || hp.port === 0 ? bound.port : hp.port };
  }
  if (!isUnspecifiedHost(bound.host)) return bound;
  const family = ipFamily(bound.host);
  // memberlist refuses to start without a private address; Shoal's default must also work
  // on a lone machine, so fall back to any external address, then to loopback (a cluster of
  // one, or of agents on this host), and let `--advertise` say otherwise.
  const host = privateAddress(family) ?? anyExternalAddress(family) ?? (family === 6 ? "::1" : "127.0.0.1");
  return { host, port: bound.port };
}
