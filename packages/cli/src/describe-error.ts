import {
  PolarApiError,
  PolarConfigError,
  PolarError,
  PolarRateLimitError,
  PolarUnreachableError,
} from "@polar-oauth/core/setup";
import { CliError, EXIT, type ExitCode } from "./exit-codes.js";

/** What the user sees for a failure: the message (one line per problem) and the exit code. */
export interface DescribedError {
  message: string;
  exitCode: ExitCode;
  code: string;
}

/**
 * Turns any thrown value into a short message with its fix and an exit code. Core errors
 * never carry secrets; the caller still passes the message through the redactor.
 */
export function describeError(error: unknown): DescribedError {
  const described = describe(error);
  // Core's messages sometimes end a quoted sentence with a second period ("…users).."); tidy it.
  return { ...described, message: described.message.replace(/([.?!])\.(?=\s|$)/g, "$1") };
}

function describe(error: unknown): DescribedError {
  if (error instanceof CliError) {
    return { message: error.message, exitCode: error.exitCode, code: error.code };
  }
  if (error instanceof PolarRateLimitError) {
    const when =
      error.retryAfterSeconds === undefined
        ? "retry later"
        : `retry after ${error.retryAfterSeconds} s`;
    return {
      message: `Polar rate limit: ${when} (${error.endpoint}). Nothing was changed.`,
      exitCode: EXIT.FAILURE,
      code: error.code,
    };
  }
  if (error instanceof PolarConfigError) {
    return {
      message: error.issues.map((i) => `${i.variable}: ${i.problem} Fix: ${i.fix}`).join("\n"),
      exitCode: EXIT.FAILURE,
      code: error.code,
    };
  }
  if (error instanceof PolarUnreachableError) {
    return {
      message: `Polar server unreachable at ${error.url}${error.server ? ` (${error.server})` : ""}: ${error.reason}. Fix: check --server / POLAR_SERVER and the network (see ${error.reference}).`,
      exitCode: EXIT.FAILURE,
      code: error.code,
    };
  }
  if (error instanceof PolarApiError) {
    return { message: describeApiError(error), exitCode: EXIT.FAILURE, code: error.code };
  }
  if (error instanceof PolarError) {
    return { message: error.message, exitCode: EXIT.FAILURE, code: error.code };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    message: `Unexpected error: ${message} (run with --debug for details).`,
    exitCode: EXIT.FAILURE,
    code: "UNEXPECTED",
  };
}

function describeApiError(error: PolarApiError): string {
  if (error.status >= 500) {
    return `Polar answered ${error.status} on ${error.endpoint}: a server error. Nothing was changed; try again later.`;
  }
  return error.message;
}
