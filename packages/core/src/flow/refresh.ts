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

/**
 * Refreshes access tokens with **one request per refresh token** in this process. Polar
 * rotates refresh tokens and refuses a second use, so concurrent requests of one user share
 * the same refresh; requests that arrive shortly after with the old cookie (before the
 * browser stored the new one) get the rotated tokens from a short grace cache.
 */
export function createTokenRefresher(options: {
  client: () => Promise<oidc.Configuration>;
  now: () => number;
  graceSeconds?: number;
  maxEntries?: number;
}) {
  const graceMs = (options.graceSeconds ?? 60) * 1000;
  const maxEntries = options.maxEntries ?? 10_000;
  const inflight = new Map<string, Promise<RefreshedTokens>>();
  const recent = new Map<string, { tokens: RefreshedTokens; until: number }>();

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
    /** New tokens for this refresh token; concurrent calls with the same token share one request. */
    refresh(refreshToken: string): Promise<RefreshedTokens> {
      const key = createHash("sha256").update(refreshToken).digest("base64");
      const now = options.now();
      const cached = recent.get(key);
      if (cached && cached.until > now) return Promise.resolve(cached.tokens);
      const running = inflight.get(key);
      if (running) return running;
      const pending = exchange(refreshToken)
        .then((tokens) => {
          recent.set(key, { tokens, until: options.now() + graceMs });
          for (const [k, entry] of recent) {
            if (entry.until <= options.now() || recent.size > maxEntries) recent.delete(k);
            else break;
          }
          return tokens;
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
