import { createHash, hash } from "node:crypto";

/** A bounded least-recently-used map from a sealed cookie to what it unsealed to. */
export interface SealCache<T> {
  /**
   * The cached value for this seal, if it is still valid at `nowMs` and the secret that opened
   * it is still accepted (`accepts`, the current sealer's check: after a rotation that dropped
   * a secret, its seals stop being served from the cache).
   */
  get(seal: string, nowMs: number, accepts: (secretId: string) => boolean): T | undefined;
  /** Remembers a seal that unsealed to a valid value, until `validUntilMs`. */
  set(seal: string, value: T, validUntilMs: number, secretId: string): void;
  delete(seal: string): void;
  readonly size: number;
  readonly maxEntries: number;
}

interface Entry<T> {
  value: T;
  validUntilMs: number;
  secretId: string;
  /** Value of the cache's move counter when this entry last moved to the young end. */
  movedAt: number;
}

/** SHA-256 of a seal, one-shot (`crypto.hash`, Node ≥ 20.12) or through a Hash object. */
const sha256: (value: string) => string =
  typeof hash === "function"
    ? (value) => hash("sha256", value, "base64")
    : (value) => createHash("sha256").update(value).digest("base64");

/**
 * Opening a seal costs tens of microseconds; a sealed cookie never changes, so its unsealed
 * value is cached under the cookie's SHA-256 (a fixed 44 bytes per entry, and no copy of the
 * credential itself in memory). Only seals that opened to a valid session are added (garbage
 * cannot evict good entries cheaply: each entry costs the attacker a real, valid session),
 * entries expire no later than the session and the seal themselves, and each remembers which
 * secret opened it so a cache never outlives a secret's removal.
 *
 * Recency is approximate, to keep hits free of writes: an entry moves to the young end only
 * when more than half the capacity was inserted or moved since it last did, so a hot entry is
 * never among the oldest half and a hit usually touches nothing. Eviction drops the oldest.
 */
export function createSealCache<T>(maxEntries: number): SealCache<T> {
  const entries = new Map<string, Entry<T>>();
  const halfLife = Math.max(1, Math.floor(maxEntries / 2));
  let moves = 0;
  return {
    get(seal, nowMs, accepts) {
      if (maxEntries === 0) return undefined;
      const key = sha256(seal);
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.validUntilMs <= nowMs || !accepts(entry.secretId)) {
        entries.delete(key);
        return undefined;
      }
      if (moves - entry.movedAt > halfLife) {
        entries.delete(key);
        entries.set(key, entry);
        entry.movedAt = ++moves;
      }
      return entry.value;
    },
    set(seal, value, validUntilMs, secretId) {
      if (maxEntries === 0) return;
      const key = sha256(seal);
      entries.delete(key);
      entries.set(key, { value, validUntilMs, secretId, movedAt: ++moves });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    delete(seal) {
      entries.delete(sha256(seal));
    },
    get size() {
      return entries.size;
    },
    maxEntries,
  };
}
