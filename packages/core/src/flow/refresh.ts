import { createHash } from "node:crypto";
import * as oidc from "openid-client";
import {
  PolarApiError,
  PolarError,
  PolarRateLimitError,
  PolarStoreUnavailableError,
  PolarUnreachableError,
} from "../errors.js";
import { parseRetryAfter } from "../http.js";
import type { Sealer } from "../session/seal.js";
import { localRefreshCoordinator, type RefreshCoordinator } from "../state/store.js";
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
    super("SESSION_ENDED", `The Polar session ended: ${reason}. Sign in again.`, {
      reference: false,
    });
  }
}

/** A refresh's result: the rotated tokens and the session cookie sealed with them. */
export interface RefreshOutcome {
  tokens: RefreshedTokens;
  /** The `Set-Cookie` of the refreshed session: one seal per refresh, shared by the grace window. */
  setCookie: string;
}

/**
 * Refreshes access tokens with **one request per refresh token**. Polar rotates refresh
 * tokens and refuses a second use (`RefreshTokenGrant.revoke_old_credential` and
 * `authenticate_refresh_token` in Polar's `server/polar/oauth2/grants/refresh_token.py`), so
 * concurrent requests of one user share the same refresh;
 * requests that arrive shortly after with the old cookie (before the browser stored the new
 * one) get the same outcome from a short grace cache: the same tokens *and the same sealed
 * cookie*. Sealing once per refresh (not once per request) means a client replaying an old
 * cookie inside the window cannot mint distinct valid cookies nor churn the session cache.
 *
 * Across instances, the `coordinator` runs the refresh once and passes the rotated tokens (or
 * Polar's refusal) to the others sealed with the session secret (`sealer`), bound to the
 * refresh token's hash:
 * whoever reads the shared store learns no token, and cannot move one session's tokens into
 * another. Each instance then seals its own session cookie once.
 */
export function createTokenRefresher(options: {
  client: () => Promise<oidc.Configuration>;
  now: () => number;
  sealer: Sealer;
  coordinator?: RefreshCoordinator;
  graceSeconds?: number;
  maxEntries?: number;
}) {
  const graceMs = (options.graceSeconds ?? 60) * 1000;
  const maxEntries = options.maxEntries ?? 10_000;
  const coordinator = options.coordinator ?? localRefreshCoordinator();
  const { sealer } = options;
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

  async function shared(key: string, refreshToken: string): Promise<RefreshedTokens> {
    const sealed = await coordinator.run(
      key,
      async () => {
        const ttl = graceMs / 1000 + 60;
        try {
          const tokens = await exchange(refreshToken);
          return sealer.sealNow({ purpose: SHARED_PURPOSE, key, ...tokens }, ttl);
        } catch (error) {
          // Polar refused the token: hand that on too, so no other instance asks again.
          if (error instanceof PolarSessionEndedError)
            return sealer.sealNow({ purpose: SHARED_PURPOSE, key, refused: true }, ttl);
          throw error;
        }
      },
      graceMs,
    );
    const opened = sealer.open(sealed)?.value as
      | (Partial<RefreshedTokens> & { purpose?: unknown; key?: unknown; refused?: unknown })
      | undefined;
    if (opened?.purpose === SHARED_PURPOSE && opened.key === key && opened.refused === true) {
      throw new PolarSessionEndedError("the refresh token was refused");
    }
    if (
      opened?.purpose !== SHARED_PURPOSE ||
      opened.key !== key ||
      typeof opened.accessToken !== "string" ||
      typeof opened.refreshToken !== "string" ||
      typeof opened.expiresAt !== "number"
    ) {
      throw new PolarStoreUnavailableError(
        "another instance's refresh result could not be opened (is SESSION_SECRET the same on every instance?)",
      );
    }
    return {
      accessToken: opened.accessToken,
      refreshToken: opened.refreshToken,
      expiresAt: opened.expiresAt,
      scope: typeof opened.scope === "string" ? opened.scope : undefined,
    };
  }

  return {
    /**
     * Refreshes the session holding this refresh token: new tokens, sealed into a cookie by
     * `seal` (called once per refresh in this process). Concurrent calls with the same token
     * share one request, and calls within the grace window get the same outcome.
     */
    refresh(
      refreshToken: string,
      seal: (tokens: RefreshedTokens) => Promise<string>,
    ): Promise<RefreshOutcome> {
      const key = createHash("sha256").update(refreshToken).digest("base64url");
      const now = options.now();
      const cached = recent.get(key);
      if (cached && cached.until > now) return Promise.resolve(cached.outcome);
      const running = inflight.get(key);
      if (running) return running;
      const pending = shared(key, refreshToken)
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

/** What a shared refresh result is sealed as, so no other seal of the kit passes for one. */
const SHARED_PURPOSE = "polar-refresh";

function toRefreshError(error: unknown): PolarError {
  if (error instanceof PolarError) return error;
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
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    // Polar (Authlib) adds a Basic challenge to a 401 invalid_client.
    const code = safeToken(error.cause[0]?.parameters.error ?? "unknown");
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
    // openid-client wraps a timed-out or aborted fetch in a ClientError whose cause says which.
    if (cause?.name === "TimeoutError" || cause?.name === "AbortError") {
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
