/**
 * HTTP-facing errors. Handlers and AgentControl implementations throw {@link AgentApiError}
 * to pick a status code; {@link httpStatusOf} maps every other error to one.
 */
import { ErrorCode, ShoalError } from "../errors.js";

/** An error with the HTTP status and the plain-text message the client gets. */
export class AgentApiError extends ShoalError {
  constructor(
    readonly statusCode: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.http, message, options);
  }
}

/** 400 with `message`. */
export function badRequest(message: string): AgentApiError {
  return new AgentApiError(400, message);
}

/** 404 with `message`. */
export function notFound(message: string): AgentApiError {
  return new AgentApiError(404, message);
}

/** The status code and message for any error a route can meet. */
export function httpStatusOf(error: unknown): { readonly status: number; readonly message: string } {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof AgentApiError) return { status: error.statusCode, message };
  if (error instanceof ShoalError) {
    switch (error.code) {
      case ErrorCode.invalid:
      case ErrorCode.config:
      case ErrorCode.crypto:
      case ErrorCode.encode:
      case ErrorCode.decode:
        return { status: 400, message };
      case ErrorCode.limit:
        return { status: 413, message };
      default:
        return { status: 500, message };
    }
  }
  const fastifyError = error as { statusCode?: unknown; code?: unknown; validation?: unknown };
  if (fastifyError.validation !== undefined)
    return { status: 400, message: `Request decode failed: ${message}` };
  if (fastifyError.code === "FST_ERR_CTP_BODY_TOO_LARGE")
    return { status: 413, message: "Request body too large" };
  const status = typeof fastifyError.statusCode === "number" ? fastifyError.statusCode : 500;
  return { status: status >= 400 && status < 600 ? status : 500, message };
}
