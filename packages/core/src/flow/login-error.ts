import * as oidc from "openid-client";
import {
  PolarError,
  PolarRateLimitError,
  PolarStoreUnavailableError,
  PolarUnreachableError,
} from "../errors.js";
import { parseRetryAfter } from "../http.js";

/** Why a sign-in failed, as a stable code (sent as `error` on the error redirect). */
export type LoginFailure =
  | "access_denied"
  | "authorization_error"
  | "missing_state"
  | "transaction_missing"
  | "transaction_invalid"
  | "state_mismatch"
  | "issuer_mismatch"
  | "replayed_callback"
  | "token_exchange_failed"
  | "id_token_invalid"
  | "organization_unresolved"
  | "polar_unreachable"
  | "polar_rate_limited"
  | "store_unavailable"
  | "login_rejected";

const REASONS: Record<LoginFailure, string> = {
  access_denied: "You declined to sign in with Polar.",
  authorization_error: "Polar could not authorize this sign-in.",
  missing_state: "The sign-in response was incomplete.",
  transaction_missing:
    "This sign-in expired or was started in another browser. Please start again.",
  transaction_invalid: "This sign-in could not be verified. Please start again.",
  state_mismatch: "This sign-in response does not belong to your sign-in attempt.",
  issuer_mismatch:
    "This sign-in response did not come from the Polar server the sign-in started at.",
  replayed_callback: "This sign-in response was already used.",
  token_exchange_failed: "Polar did not complete the sign-in.",
  id_token_invalid: "Polar's identity token failed verification.",
  organization_unresolved: "Polar did not say which organization you chose. Please start again.",
  polar_unreachable: "Polar could not be reached. Please try again in a moment.",
  polar_rate_limited: "Polar is rate limiting sign-ins.",
  store_unavailable: "Signing in is unavailable for a moment. Please try again shortly.",
  login_rejected: "This account is not allowed to sign in here.",
};

/**
 * A failed sign-in: a code, a reason safe to show, and the HTTP status to answer with: 4xx,
 * except 503 (with `Retry-After`) while the shared state store is down (nothing the user or
 * Polar did wrong, and a retry will work).
 */
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
    // The message is shown to the person signing in: no pointer to the error reference.
    super(`LOGIN_${failure.toUpperCase()}`, `${reason}${retry}`, { reference: false });
    this.failure = failure;
    this.status =
      failure === "polar_rate_limited" ? 429 : failure === "store_unavailable" ? 503 : 400;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.detail = options.detail;
  }

  /** A short technical explanation for logs: codes and claim names, never a value. */
  readonly detail: string | undefined;
}

/** Thrown by `onLogin` to refuse a user; `message` is shown to them. */
export class PolarLoginRejectedError extends PolarError {
  constructor(message = REASONS.login_rejected) {
    super("LOGIN_REJECTED", message, { reference: false });
  }
}

/**
 * Maps whatever the token exchange threw (openid-client, network, the app's hook) to a
 * {@link PolarLoginError}. Only error codes, names and openid-client's own messages (which
 * name claims and parameters, never their values) are kept: openid-client errors carry the
 * token response or the id_token claims in `cause`, which must not reach a log.
 *
 * `step` names what was being done (e.g. `userinfo`) for the log detail.
 */
export function toLoginError(error: unknown, step?: string): PolarLoginError {
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
  // By code as well: a store package may bring its own copy of core's error classes.
  if (
    error instanceof PolarStoreUnavailableError ||
    (error as { code?: unknown } | undefined)?.code === "STORE_UNAVAILABLE"
  ) {
    const retry = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    return new PolarLoginError("store_unavailable", {
      retryAfterSeconds: typeof retry === "number" ? retry : 5,
      detail: (error as Error).message,
    });
  }
  if (error instanceof PolarUnreachableError) {
    return new PolarLoginError("polar_unreachable", {
      detail: `Polar server unreachable at ${error.url}: ${error.reason}.`,
    });
  }
  if (error instanceof oidc.AuthorizationResponseError) {
    return new PolarLoginError(
      error.error === "access_denied" ? "access_denied" : "authorization_error",
      {
        detail: `authorization response error=${safeToken(error.error)}`,
      },
    );
  }
  const where = step ? `${step}: ` : "";
  const response = responseOf(error);
  // A 429 is a rate limit whatever its body (a proxy's HTML page, an empty body, JSON).
  if (response?.status === 429) {
    return new PolarLoginError("polar_rate_limited", {
      retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after")),
    });
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    // Polar (Authlib) adds a Basic challenge to a 401 invalid_client.
    const code = safeToken(error.cause[0]?.parameters.error ?? "unknown");
    return new PolarLoginError("token_exchange_failed", {
      detail: `${where}${endpointOf(error.response)} ${error.status} error=${code}`,
    });
  }
  if (error instanceof oidc.ResponseBodyError) {
    return new PolarLoginError("token_exchange_failed", {
      detail: `${where}${endpointOf(response)} ${error.status} error=${safeToken(error.error)}`,
    });
  }
  if (error instanceof Error) {
    // A string code (openid-client's); a DOMException's legacy numeric code says nothing.
    const raw = (error as { code?: unknown }).code;
    const code = typeof raw === "string" ? raw : undefined;
    if (isTimeout(error)) {
      return new PolarLoginError("polar_unreachable", { detail: `${where}timeout` });
    }
    if (error.name === "TypeError" && /fetch failed/i.test(error.message)) {
      return new PolarLoginError("polar_unreachable", { detail: `${where}connection failed` });
    }
    if (error instanceof PolarError) {
      return new PolarLoginError("token_exchange_failed", { detail: `${where}${error.code}` });
    }
    // openid-client wraps oauth4webapi's error, whose message says what failed.
    const cause = (error as { cause?: unknown }).cause;
    const because = cause instanceof Error ? cause.message : undefined;
    const detail = [
      `${where}${code ?? error.name}`,
      because ? `: ${because}` : "",
      response ? ` (${response.status} from ${endpointOf(response)})` : "",
    ].join("");
    if (code && (ID_TOKEN_CODES.has(code) || (because && ID_TOKEN_PROBLEM.test(because)))) {
      return new PolarLoginError("id_token_invalid", { detail });
    }
    return new PolarLoginError("token_exchange_failed", { detail });
  }
  return new PolarLoginError("token_exchange_failed");
}

/** openid-client codes that always mean the identity could not be verified. */
const ID_TOKEN_CODES = new Set([
  "OAUTH_JWT_CLAIM_COMPARISON_FAILED",
  "OAUTH_JWT_TIMESTAMP_CHECK_FAILED",
  "OAUTH_JWS_SIGNATURE_VERIFICATION_FAILED",
  "OAUTH_KEY_SELECTION_FAILED",
  // userinfo `sub` differs from the id_token's
  "OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED",
]);

/**
 * oauth4webapi reports a missing claim, a bad `alg`, a failed signature and a missing
 * id_token as a generic `OAUTH_INVALID_RESPONSE`; its message tells them apart.
 */
const ID_TOKEN_PROBLEM = /\bJWT\b|ID Token|"id_token"/;

/** The HTTP response an openid-client error is about, if any (kept in `cause`). */
function responseOf(error: unknown): Response | undefined {
  if (error instanceof oidc.ResponseBodyError) return error.response;
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return cause instanceof Response ? cause : undefined;
}

/** The path of the endpoint that answered (its query never carries a secret here, but is dropped). */
function endpointOf(response: Response | undefined): string {
  if (!response?.url) return "Polar";
  try {
    return new URL(response.url).pathname;
  } catch {
    return "Polar";
  }
}

/**
 * A request to Polar that got no answer: openid-client wraps a timed-out or aborted fetch in a
 * ClientError whose cause says which (the kit's own requests are PolarUnreachableErrors by
 * now). A bare TimeoutError comes from the app's own code (onLogin, a store), not from Polar.
 */
function isTimeout(error: Error): boolean {
  const cause = (error as { cause?: { name?: string } }).cause;
  return cause?.name === "TimeoutError" || cause?.name === "AbortError";
}

/** An OAuth error code from the wire, kept only if it looks like one. */
export function safeToken(value: string): string {
  return /^[a-z_]{1,64}$/.test(value) ? value : "unknown";
}
