import { createHash } from "node:crypto";
import * as oidc from "openid-client";
import {
  PolarApiError,
  PolarError,
  PolarRateLimitError,
  PolarUnreachableError,
} from "../errors.js";
import { parseRetryAfter } from "../http.js";
import { safeToken } from "./login-error.js";

/** Tokens after a refresh. Polar rotates: the old refresh token is dead from now on. */
export interface RefreshedTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch seconds. */
  expiresAt: number;
  scope?: string | undefined;
}

/** The session can no longer be refreshed (`invalid_grant`, no refresh token): sign in again. */
export class PolarSessionEndedError extends PolarError {
  constructor(reason: string) {
    super("SESSION_ENDED", `The Polar session ended: ${reason}. Sign in again.`);
  }
}

/** A refresh's result: the rotated tokens and the session cookie sealed with them. */
export interface RefreshOutcome {
  tokens: RefreshedTokens;
  /** The `Set-Cookie` of the refreshed session: one seal per refresh, shared by the grace window. */
  setCookie: string;
}

/**
 * Refreshes access tokens with **one request per refresh token** in this process. Polar
 * rotates refresh tokens and refuses a second use, so concurrent requests of one user share
 * the same refresh; requests that arrive shortly after with the old cookie (before the
 * browser stored the new one) get the same outcome from a short grace cache: the same tokens
 * *and the same sealed cookie*. Sealing once per refresh (not once per request) means a
 * client replaying an old cookie inside the window cannot mint distinct valid cookies nor
 * churn the session cache.
 */
export function createTokenRefresher(options: {
  client: () => Promise<oidc.Configuration>;
  now: () => number;
  graceSeconds?: number;
  maxEntries?: number;
}) {
  const graceMs = (options.graceSeconds ?? 60) * 1000;
  const maxEntries = options.maxEntries ?? 10_000;
  const inflight = new Map<string, Promise<RefreshOutcome>>();
  const recent = new Map<string, { outcome: RefreshOutcome; until: number }>();

  async function exchange(refreshToken: string): Promise<RefreshedTokens> {
    const configuration = await options.client();
    try {
      const response = await oidc.refreshTokenGrant(configuration, refreshToken);
      const expiresIn = response.expiresIn();
      return {
        accessToken: response.access_token,
        refreshToken: response.refresh_token ?? refreshToken,
        expiresAt: Math.floor(options.now() / 1000) + (expiresIn ?? 3600),
        scope: response.scope,
      };
    } catch (error) {
      throw toRefreshError(error);
    }
  }

  return {
    /**
     * Refreshes the session holding this refresh token: new tokens, sealed into a cookie by
     * `seal` (called once per refresh). Concurrent calls with the same token share one
     * request, and calls within the grace window get the same outcome.
     */
    refresh(
      refreshToken: string,
      seal: (tokens: RefreshedTokens) => Promise<string>,
    ): Promise<RefreshOutcome> {
      const key = createHash("sha256").update(refreshToken).digest("base64");
      const now = options.now();
      const cached = recent.get(key);
      if (cached && cached.until > now) return Promise.resolve(cached.outcome);
      const running = inflight.get(key);
      if (running) return running;
      const pending = exchange(refreshToken)
        .then(async (tokens) => {
          const outcome: RefreshOutcome = { tokens, setCookie: await seal(tokens) };
          recent.set(key, { outcome, until: options.now() + graceMs });
          for (const [k, entry] of recent) {
            if (entry.until <= options.now() || recent.size > maxEntries) recent.delete(k);
            else break;
          }
          return outcome;
        })
        .finally(() => inflight.delete(key));
      inflight.set(key, pending);
      return pending;
    },
  };
}

function toRefreshError(error: unknown): PolarError {
  if (error instanceof oidc.ResponseBodyError) {
    if (error.error === "invalid_grant")
      return new PolarSessionEndedError("the refresh token was refused");
    if (error.status === 429) {
      return new PolarRateLimitError(
        "token refresh",
        parseRetryAfter(error.response.headers.get("retry-after")),
      );
    }
    // `error` comes from the wire: keep it only if it looks like an OAuth error code (a
    // misbehaving server could echo a token there, and this message reaches logs).
    const code = safeToken(error.error);
    return new PolarApiError(
      "token refresh",
      error.status,
      `Token refresh failed with ${error.status} ${code}.`,
      code,
    );
  }
  if (error instanceof Error) {
    const cause = (error as { cause?: { name?: string; status?: number; headers?: Headers } })
      .cause;
    if (
      error.name === "TimeoutError" ||
      cause?.name === "TimeoutError" ||
      error.name === "AbortError"
    ) {
      return new PolarUnreachableError("token endpoint", "no answer in time");
    }
    if (cause?.status === 429) {
      return new PolarRateLimitError(
        "token refresh",
        parseRetryAfter(cause.headers?.get("retry-after") ?? null),
      );
    }
    if (error.name === "TypeError")
      return new PolarUnreachableError("token endpoint", "connection failed");
    const code = (error as { code?: string }).code ?? error.name;
    return new PolarApiError("token refresh", 0, `Token refresh failed (${code}).`);
  }
  return new PolarApiError("token refresh", 0, "Token refresh failed.");
}
