import * as oidc from "openid-client";
import { PolarError, PolarRateLimitError, PolarUnreachableError } from "../errors.js";
import { parseRetryAfter } from "../http.js";

/** Why a sign-in failed, as a stable code (sent as `error` on the error redirect). */
export type LoginFailure =
  | "access_denied"
  | "authorization_error"
  | "missing_state"
  | "transaction_missing"
  | "transaction_invalid"
  | "state_mismatch"
  | "replayed_callback"
  | "token_exchange_failed"
  | "id_token_invalid"
  | "polar_unreachable"
  | "polar_rate_limited"
  | "login_rejected";

const REASONS: Record<LoginFailure, string> = {
  access_denied: "You declined to sign in with Polar.",
  authorization_error: "Polar could not authorize this sign-in.",
  missing_state: "The sign-in response was incomplete.",
  transaction_missing:
    "This sign-in expired or was started in another browser. Please start again.",
  transaction_invalid: "This sign-in could not be verified. Please start again.",
  state_mismatch: "This sign-in response does not belong to your sign-in attempt.",
  replayed_callback: "This sign-in response was already used.",
  token_exchange_failed: "Polar did not complete the sign-in.",
  id_token_invalid: "Polar's identity token failed verification.",
  polar_unreachable: "Polar could not be reached. Please try again in a moment.",
  polar_rate_limited: "Polar is rate limiting sign-ins.",
  login_rejected: "This account is not allowed to sign in here.",
};

/** A failed sign-in: a code, a reason safe to show, and the HTTP status to answer with (always 4xx). */
export class PolarLoginError extends PolarError {
  readonly failure: LoginFailure;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    failure: LoginFailure,
    options: { detail?: string; retryAfterSeconds?: number | undefined; reason?: string } = {},
  ) {
    const reason = options.reason ?? REASONS[failure];
    const retry =
      options.retryAfterSeconds === undefined ? "" : ` Retry after ${options.retryAfterSeconds} s.`;
    super(`LOGIN_${failure.toUpperCase()}`, `${reason}${retry}`);
    this.failure = failure;
    this.status = failure === "polar_rate_limited" ? 429 : 400;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.detail = options.detail;
  }

  /** A short technical explanation for logs: codes and claim names, never a value. */
  readonly detail: string | undefined;
}

/** Thrown by `onLogin` to refuse a user; `message` is shown to them. */
export class PolarLoginRejectedError extends PolarError {
  constructor(message = REASONS.login_rejected) {
    super("LOGIN_REJECTED", message);
  }
}

/**
 * Maps whatever the token exchange threw (openid-client, network, the app's hook) to a
 * {@link PolarLoginError}. Only error codes and names are kept: openid-client errors may carry
 * the token response in `cause`, which must not reach a log.
 */
export function toLoginError(error: unknown): PolarLoginError {
  if (error instanceof PolarLoginError) return error;
  if (error instanceof PolarLoginRejectedError) {
    return new PolarLoginError("login_rejected", {
      reason: error.message,
      detail: "onLogin refused",
    });
  }
  if (error instanceof PolarRateLimitError) {
    return new PolarLoginError("polar_rate_limited", {
      retryAfterSeconds: error.retryAfterSeconds,
    });
  }
  if (error instanceof PolarUnreachableError) {
    return new PolarLoginError("polar_unreachable", { detail: error.message });
  }
  if (error instanceof oidc.AuthorizationResponseError) {
    return new PolarLoginError(
      error.error === "access_denied" ? "access_denied" : "authorization_error",
      {
        detail: `authorization response error=${safeToken(error.error)}`,
      },
    );
  }
  if (error instanceof oidc.ResponseBodyError) {
    if (error.status === 429) {
      return new PolarLoginError("polar_rate_limited", {
        retryAfterSeconds: parseRetryAfter(error.response.headers.get("retry-after")),
      });
    }
    return new PolarLoginError("token_exchange_failed", {
      detail: `token endpoint ${error.status} error=${safeToken(error.error)}`,
    });
  }
  if (error instanceof oidc.ClientError || error instanceof Error) {
    const code = (error as { code?: string }).code;
    if (isTimeout(error)) return new PolarLoginError("polar_unreachable", { detail: "timeout" });
    if (code === "OAUTH_RESPONSE_IS_NOT_CONFORM") {
      const status = (error as { cause?: Response }).cause?.status;
      if (status === 429) {
        const retryAfter = (error as { cause?: Response }).cause?.headers.get("retry-after");
        return new PolarLoginError("polar_rate_limited", {
          retryAfterSeconds: parseRetryAfter(retryAfter ?? null),
        });
      }
      return new PolarLoginError("token_exchange_failed", { detail: `${code} status=${status}` });
    }
    if (code && ID_TOKEN_CODES.has(code)) {
      return new PolarLoginError("id_token_invalid", { detail: `${code}: ${error.message}` });
    }
    if (error.name === "TypeError" && /fetch failed/i.test(error.message)) {
      return new PolarLoginError("polar_unreachable", { detail: "connection failed" });
    }
    if (error instanceof PolarError) {
      return new PolarLoginError("token_exchange_failed", { detail: error.code });
    }
    return new PolarLoginError("token_exchange_failed", { detail: code ?? error.name });
  }
  return new PolarLoginError("token_exchange_failed");
}

const ID_TOKEN_CODES = new Set([
  "OAUTH_JWT_CLAIM_COMPARISON_FAILED",
  "OAUTH_JWT_TIMESTAMP_CHECK_FAILED",
  "OAUTH_JWS_SIGNATURE_VERIFICATION_FAILED",
  "OAUTH_KEY_SELECTION_FAILED",
  "OAUTH_UNSUPPORTED_OPERATION",
]);

function isTimeout(error: Error): boolean {
  const cause = (error as { cause?: { name?: string } }).cause;
  return (
    error.name === "TimeoutError" ||
    error.name === "AbortError" ||
    cause?.name === "TimeoutError" ||
    cause?.name === "AbortError"
  );
}

/** An OAuth error code from the wire, kept only if it looks like one. */
function safeToken(value: string): string {
  return /^[a-z_]{1,64}$/.test(value) ? value : "unknown";
}
