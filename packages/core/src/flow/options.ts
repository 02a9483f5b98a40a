import type { PolarError } from "../errors.js";
import type { SubType } from "../registration/schema.js";
import type { PolarOrganization, PolarUser } from "../session/data.js";
import type { SessionRevocationStore } from "../session/revocation.js";
import type { PolarStateStore } from "../state/store.js";

/** What `onLogin` receives: the verified user and the fresh tokens. */
export interface PolarLogin {
  user: PolarUser;
  subType: SubType;
  /** The organization chosen at Polar's consent screen (organization sign-ins; see `PolarSession.organization`). */
  organization?: PolarOrganization | undefined;
  scopes: string[];
  tokens: { accessToken: string; refreshToken?: string | undefined; expiresAt: number };
  /** The verified id_token claims, when `openid` was requested. */
  idTokenClaims?: Readonly<Record<string, unknown>> | undefined;
}

/** Where the kit writes its few log lines. Messages never contain a secret or token. */
export interface PolarLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Options of {@link createPolarAuth} beyond the {@link PolarConfig}. All optional. */
export interface PolarAuthOptions {
  /** Prefix of the login, logout and me routes. Default `/auth`. The callback route is the redirect URI's path. */
  basePath?: string;
  /** Where to land after sign-in when no `returnTo` was given. Default `/`. */
  afterLoginPath?: string;
  /** Where to land after sign-out. Default `/`. */
  afterLogoutPath?: string;
  /** Send failed sign-ins to this path with `?error=&error_description=` instead of the built-in page. */
  loginErrorPath?: string;
  /** Also accept `GET /auth/logout` (a cross-site link can then sign users out). Default false. */
  allowGetLogout?: boolean;
  /** Origins besides the redirect URI's that may POST to logout. */
  trustedOrigins?: string[];
  /**
   * Called after Polar signed the user in and before the session is created: map the Polar
   * user to your own. Return data to keep in the session (`session.app`; keep it small): it is
   * kept as its JSON form, deep-frozen (a `Date` reads back as its ISO string, on every
   * instance and whether the session was cached or not). Or throw `PolarLoginRejectedError`
   * to refuse the user.
   */
  onLogin?: (
    login: PolarLogin,
  ) => undefined | Record<string, unknown> | Promise<undefined | Record<string, unknown>>;
  /** Called with every sign-in, refresh or logout failure (for metrics and alerting). */
  onError?: (error: PolarError) => void;
  /** Default: console, prefixed `[polar-oauth]`. */
  logger?: PolarLogger;
  /**
   * Server-side revocation of ended sessions (see {@link SessionRevocationStore}). With a
   * `store`, use the store's instead (setting both is a configuration error).
   */
  revocation?: SessionRevocationStore;
  /**
   * State shared by every instance of the app: revocation, refresh coordination and replay
   * protection in one object (e.g. `@polar-oauth/redis`'s `createRedisStore`). Default: all
   * three per process.
   */
  store?: PolarStateStore;
  /** Unsealed sessions kept in memory. Default 10,000; 0 disables the cache. */
  sessionCacheSize?: number;
  /** Re-issue the session cookie at most this often (seconds). Default min(1 h, idle timeout / 10). */
  rollingIntervalSeconds?: number;
  /**
   * Extra attempts of the startup check while Polar is unreachable or answers 502/503/504
   * (e.g. the app and a local Polar start together). Default 0.
   */
  startupCheckRetries?: number;
  /** Pause between startup-check attempts, in ms. Default 1000. */
  startupCheckRetryDelayMs?: number;
  /** Replaces fetch for every call to Polar. */
  fetch?: typeof fetch;
  /** Clock in milliseconds; tests pass a fake one. */
  now?: () => number;
}

/** The console logger used when none is given. */
export const consoleLogger: PolarLogger = {
  info: (message) => console.info(`[polar-oauth] ${message}`),
  warn: (message) => console.warn(`[polar-oauth] ${message}`),
  error: (message) => console.error(`[polar-oauth] ${message}`),
};
