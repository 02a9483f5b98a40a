import { createHash } from "node:crypto";

/** A bounded least-recently-used map from a sealed cookie to what it unsealed to. */
export interface SealCache<T> {
  get(seal: string, nowMs: number): T | undefined;
  /** Remembers a seal that unsealed to a valid value, until `validUntilMs`. */
  set(seal: string, value: T, validUntilMs: number): void;
  delete(seal: string): void;
  readonly size: number;
}

/**
 * Unsealing costs hundreds of microseconds; a sealed cookie never changes, so its unsealed
 * value is cached under the cookie's SHA-256. Only valid seals are added (garbage cannot
 * evict good entries cheaply: each entry costs the attacker a real, valid session), and
 * entries expire no later than the session itself.
 */
export function createSealCache<T>(maxEntries: number): SealCache<T> {
  const entries = new Map<string, { value: T; validUntilMs: number }>();
  const keyOf = (seal: string) => createHash("sha256").update(seal).digest("base64");
  return {
    get(seal, nowMs) {
      if (maxEntries === 0) return undefined;
      const key = keyOf(seal);
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      if (entry.validUntilMs <= nowMs) return undefined;
      entries.set(key, entry);
      return entry.value;
    },
    set(seal, value, validUntilMs) {
      if (maxEntries === 0) return;
      const key = keyOf(seal);
      entries.delete(key);
      entries.set(key, { value, validUntilMs });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    delete(seal) {
      entries.delete(keyOf(seal));
    },
    get size() {
      return entries.size;
    },
  };
}
