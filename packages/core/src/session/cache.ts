/** A bounded least-recently-used map from a sealed cookie to what it unsealed to. */
export interface SealCache<T> {
  /**
   * The cached value for exactly this seal, if it is still valid at `nowMs` and the secret that
   * opened it is still accepted (`accepts`, the current sealer's check: after a rotation that
   * dropped a secret, its seals stop being served from the cache).
   */
  get(seal: string, nowMs: number, accepts: (secretId: string) => boolean): T | undefined;
  /** Remembers a seal that unsealed to a valid value, until `validUntilMs`. */
  set(seal: string, value: T, validUntilMs: number, secretId: string): void;
  delete(seal: string): void;
  readonly size: number;
  readonly maxEntries: number;
}

interface Entry<T> {
  /** The whole seal (a copy): a hit needs exactly this string. */
  seal: string;
  value: T;
  validUntilMs: number;
  secretId: string;
  /** Value of the cache's move counter when this entry last moved to the young end. */
  movedAt: number;
}

/** Characters of iron's MAC (base64url of HMAC-SHA-256) at the end of a seal, before `~2`. */
const MAC_LENGTH = 43;
const SUFFIX_LENGTH = 2;

/**
 * The cache key of a seal: the MAC at its end, an HMAC-SHA-256 of everything the seal holds
 * under the session secret. It is a hash of the whole seal that was computed when it was
 * sealed and checked when it was first opened, so a lookup hashes nothing: taking it costs a
 * substring, where SHA-256 of the ~800-byte cookie cost 2–3 µs of a ~30 µs request (the
 * issue 8 profile). Nobody can make a valid MAC for other content without the secret.
 */
function keyOf(seal: string): string {
  return seal.slice(-(MAC_LENGTH + SUFFIX_LENGTH), -SUFFIX_LENGTH);
}

/**
 * Opening a seal costs tens of microseconds; a sealed cookie never changes, so its unsealed
 * value is cached under the seal's MAC (see {@link keyOf}), and a hit also needs the request's
 * seal to equal the stored one character for character (the MAC alone is not enough: a forged
 * body with a copied MAC is a miss, then fails to open). Only seals that opened to a valid
 * session are added (garbage cannot evict good entries cheaply: each entry costs the attacker
 * a real, valid session), entries expire no later than the session and the seal themselves,
 * and each remembers which secret opened it so a cache never outlives a secret's removal.
 * Memory: at most `maxEntries` entries of about 1.6 KB (the seal and the session).
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
      const key = keyOf(seal);
      const entry = entries.get(key);
      if (!entry || entry.seal !== seal) return undefined;
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
      // A flat copy: the request's seal is a slice of its whole Cookie header, which an entry
      // must not keep alive.
      const copy = Buffer.from(seal, "latin1").toString("latin1");
      const key = keyOf(copy);
      entries.delete(key);
      entries.set(key, { seal: copy, value, validUntilMs, secretId, movedAt: ++moves });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    delete(seal) {
      const key = keyOf(seal);
      if (entries.get(key)?.seal === seal) entries.delete(key);
    },
    get size() {
      return entries.size;
    },
    maxEntries,
  };
}
