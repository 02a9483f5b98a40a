import type { SessionRevocationStore } from "../session/revocation.js";

/**
 * Runs a token refresh once per refresh token across every instance sharing the coordinator,
 * and hands its result to every caller that asks within the grace window. The kit always
 * keeps its own single flight and grace cache per process; a coordinator adds the instances.
 */
export interface RefreshCoordinator {
  /**
   * Returns the result of `refresh` for `key`: running it here when no instance is (or the
   * one that was died), else waiting, bounded, for that instance's result. `key` is a hash of
   * the refresh token; the result is the kit's own seal of the rotated tokens (opaque here,
   * sealed with the session secret), to keep for `graceMs`. Throws
   * `PolarStoreUnavailableError` when the shared store cannot be used.
   */
  run(key: string, refresh: () => Promise<string>, graceMs: number): Promise<string>;
}

/** Refuses a second use of a sign-in attempt's `state` (replayed callbacks). */
export interface ReplayGuard {
  /**
   * Claims `key` (a hash of the callback's `state`) for `ttlSeconds`: true the first time,
   * false when it was already claimed. Throws `PolarStoreUnavailableError` when the shared
   * store cannot be used.
   */
  claim(key: string, ttlSeconds: number): boolean | Promise<boolean>;
}

/** What the kit tells its shared store at start (see {@link PolarStateStore.configure}). */
export interface StoreLimits {
  /**
   * Longest one refresh may take at Polar: discovery (when not cached yet) and the token
   * request, each bounded by `POLAR_TIMEOUT_MS`. A refresh lock must outlive it.
   */
  refreshTimeoutMs: number;
  /** Longest a session can live (`session.absoluteTimeoutSeconds`): no revocation ends later. */
  sessionLifetimeSeconds: number;
  /** The kit's clock (epoch ms; tests pass a fake one): revocations end by it. */
  now: () => number;
}

/**
 * The kit's state that several instances of an app must share: revocation of ended sessions,
 * refresh coordination and callback replay protection. Pass one as the `store` option
 * (`@polar-oauth/redis` provides one); without it each piece is per process.
 */
export interface PolarStateStore {
  revocation?: SessionRevocationStore | undefined;
  refresh: RefreshCoordinator;
  replay: ReplayGuard;
  /**
   * Called once by `createPolarAuth` with what the kit's configuration implies, so the store
   * can size itself (a refresh lock that outlives the slowest refresh, revocations bounded by
   * a session's lifetime). Throws `PolarConfigError` when the store's own options contradict it.
   */
  configure?(limits: StoreLimits): void;
  /**
   * False while the store cannot serve sign-ins (disconnected): `/auth/login` then answers
   * 503 at once instead of sending the user to Polar for a callback that would fail.
   * Synchronous and cheap: it runs on every login.
   */
  available?(): boolean;
}

/** Refresh coordination within this process only: the kit's own single flight is all there is. */
export function localRefreshCoordinator(): RefreshCoordinator {
  return { run: (_key, refresh) => refresh() };
}

/**
 * Replay protection in this process's memory: claims live until their transaction would have
 * expired anyway (then the transaction cookie is refused too).
 */
export function memoryReplayGuard(now: () => number = Date.now, maxEntries = 50_000): ReplayGuard {
  const used = new Map<string, number>();
  return {
    claim(key, ttlSeconds) {
      const t = now();
      const until = used.get(key);
      if (until !== undefined && until > t) return false;
      used.set(key, t + ttlSeconds * 1000);
      if (used.size > maxEntries) {
        for (const [k, exp] of used) {
          if (exp <= t || used.size > maxEntries) used.delete(k);
          else break;
        }
      }
      return true;
    },
  };
}
