/**
 * Shoal's error hierarchy. Every error carries a stable `code` that scripts and tests can
 * match on, and keeps its `cause`. Pure: the protocol core may import this file.
 */

/** Stable error codes; see ../shared/DESIGN.md section 5. */
export const ErrorCode = {
  config: "SHOAL_ERR_CONFIG",
  decode: "SHOAL_ERR_DECODE",
  encode: "SHOAL_ERR_ENCODE",
  crypto: "SHOAL_ERR_CRYPTO",
  bind: "SHOAL_ERR_BIND",
  join: "SHOAL_ERR_JOIN",
  limit: "SHOAL_ERR_LIMIT",
  persistence: "SHOAL_ERR_PERSISTENCE",
  http: "SHOAL_ERR_HTTP",
  invalid: "SHOAL_ERR_INVALID",
} as const;

/** One of {@link ErrorCode}'s values. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of every error Shoal throws on purpose. */
export class ShoalError extends Error {
  readonly code: ErrorCodeValue;

  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** V8's stack-depth knob; not in the core's Node-free types, and a no-op elsewhere. */
const v8Error = Error as unknown as { stackTraceLimit: number };

/** The only error a decoder may throw: the input bytes are not a valid message. */
export class DecodeError extends ShoalError {
  constructor(message: string, options?: { cause?: unknown }) {
    // No stack: decode errors reject hostile or broken input and are counted, never debugged
    // by their stack; capturing one cost more than decoding a junk packet, and made it the
    // bottleneck of a garbage flood (npm run flood). Nothing here can throw before the reset.
    const limit = v8Error.stackTraceLimit;
    v8Error.stackTraceLimit = 0;
    super(ErrorCode.decode, message, options);
    v8Error.stackTraceLimit = limit;
  }
}

/** A value cannot be encoded (for example tags over memberlist's 512-byte meta limit). */
export class EncodeError extends ShoalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.encode, message, options);
  }
}

/** Encryption or decryption failed, or a keyring operation was refused. */
export class CryptoError extends ShoalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.crypto, message, options);
  }
}

/** User input (a service definition, a filter expression, an API parameter) is not valid. */
export class InvalidInputError extends ShoalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.invalid, message, options);
  }
}

/** One invalid setting: the option's name (or the flag, key or file at fault) and what is wrong. */
export interface ConfigProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * The agent's configuration is invalid. Carries every problem found, not just the first, so a
 * user fixes a config file in one round instead of one error per restart.
 */
export class ConfigError extends ShoalError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options?: { cause?: unknown }) {
    const lines = problems.map((p) => `  ${p.field}: ${p.message}`);
    super(ErrorCode.config, `invalid configuration:\n${lines.join("\n")}`, options);
    this.problems = Object.freeze(problems.map((p) => Object.freeze({ ...p })));
  }
}

/** A file in the data dir could not be read or written durably (the path is in the message). */
export class PersistenceError extends ShoalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.persistence, message, options);
  }
}
