/**
 * Server-side session revocation. A sealed cookie is valid until it expires, even after
 * logout, if someone copied it; apps that must end sessions for good plug a store here
 * (shared by every instance: Redis, a database). The kit revokes the session id on logout and
 * refuses revoked ids on every request.
 */
export interface SessionRevocationStore {
  /**
   * Marks a session id as ended until `untilEpochSeconds` (its latest possible expiry).
   * Returns (or resolves to) nothing or `"revoked"` once every instance will refuse it, and
   * `"pending"` when the store kept it but could not write it to its shared storage yet (it
   * retries until it lands). Throws when it could not even keep it.
   */
  revoke(
    sessionId: string,
    untilEpochSeconds: number,
    // biome-ignore lint/suspicious/noConfusingVoidType: existing stores return Promise<void>.
  ): void | RevocationResult | Promise<void | RevocationResult>;
  /** True when the session id was revoked. */
  isRevoked(sessionId: string): boolean | Promise<boolean>;
}

/** What a revocation achieved: written for every instance, or kept and retried until it is. */
export type RevocationResult = "revoked" | "pending";

/**
 * An in-process {@link SessionRevocationStore}: right for a single instance and for tests;
 * several instances need a shared store. Entries drop out once the session would have expired.
 */
export function memoryRevocationStore(now: () => number = Date.now): SessionRevocationStore {
  const revoked = new Map<string, number>();
  return {
    revoke(sessionId, untilEpochSeconds) {
      revoked.set(sessionId, untilEpochSeconds);
      const nowSeconds = now() / 1000;
      for (const [id, until] of revoked) if (until < nowSeconds) revoked.delete(id);
    },
    isRevoked(sessionId) {
      const until = revoked.get(sessionId);
      return until !== undefined && until >= now() / 1000;
    },
  };
}
