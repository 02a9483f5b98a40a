import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  pbkdf2Sync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import type { Secret } from "../secret.js";

/** What a valid seal opened to. */
export interface OpenedSeal {
  value: unknown;
  /** The seal's own expiry (epoch ms), undefined when sealed without a TTL. */
  expiresAtMs: number | undefined;
  /** Fingerprint of the secret that opened it (see {@link Sealer.accepts}). */
  secretId: string;
}

/** Seals and unseals JSON values as iron seals (iron-session's format); the first secret seals, all unseal. */
export interface Sealer {
  seal(value: unknown, ttlSeconds: number): Promise<string>;
  /** The unsealed value, or undefined when the seal is forged, truncated, expired or unknown. */
  unseal(seal: string, ttlSeconds: number): Promise<unknown>;
  /** {@link Sealer.seal}, synchronously. */
  sealNow(value: unknown, ttlSeconds: number): string;
  /** Opens a seal synchronously: the value, its expiry and which secret opened it; undefined when invalid. */
  open(seal: string): OpenedSeal | undefined;
  /** True when the secret with this fingerprint is one of this sealer's (rotation: caches check it). */
  accepts(secretId: string): boolean;
  /** Fingerprint of the secret that seals (the first). */
  readonly currentSecretId: string;
}

const MAC_PREFIX = "Fe26.2";
const VERSION_SUFFIX = "~2";
const MAX_SEAL_LENGTH = 8192;
/** iron accepts a seal until this long after its expiry (clock skew between servers). */
const TIMESTAMP_SKEW_MS = 60_000;
const MIN_PASSWORD_LENGTH = 32;
const EXPIRATION = /^\d+$/;

/**
 * Builds a {@link Sealer} over the session secrets. Each secret gets an id derived from its own
 * hash, so prepending a new secret (rotation) keeps every older seal readable.
 *
 * The format is iron's (`Fe26.2*id*salt*iv*data*expiry*hmacSalt*hmac`, AES-256-CBC and
 * HMAC-SHA-256 under PBKDF2-derived keys) plus iron-session's `~2` suffix, so iron-session's own
 * `sealData`/`unsealData` read and write the same cookies. It is computed with synchronous
 * `node:crypto` calls instead of iron-webcrypto's WebCrypto ones: each of those is a round trip
 * to the thread pool, which made one unseal cost 300–800 µs of CPU against ~15 µs here. The MAC
 * is checked (in constant time) before anything is decrypted; a seal must be exactly one iron
 * seal plus `~2` (iron-session ignores anything after the suffix, which made one session into
 * endless distinct valid cookies). Expiry is checked on `now`, the kit's clock.
 */
export function createSealer(secrets: readonly Secret[], now: () => number = Date.now): Sealer {
  const passwords = new Map<string, { password: string; secretId: string }>();
  for (const s of secrets) {
    const password = s.reveal();
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new Error(`Session secrets need at least ${MIN_PASSWORD_LENGTH} characters.`);
    }
    passwords.set(passwordId(password), { password, secretId: fingerprint(password) });
  }
  const accepted = new Set([...passwords.values()].map((p) => p.secretId));
  const first = secrets[0]!.reveal();
  const sealingId = passwordId(first);

  const sealNow = (value: unknown, ttlSeconds: number): string => {
    const json = JSON.stringify(value);
    // One call for the three random values (each call to the CSPRNG has a fixed cost).
    const random = randomBytes(80);
    const salt = random.toString("hex", 0, 32);
    const iv = random.subarray(32, 48);
    const cipher = createCipheriv("aes-256-cbc", deriveKey(first, salt), iv);
    const encrypted = Buffer.concat([cipher.update(json, "utf8"), cipher.final()]);
    const expiration = ttlSeconds > 0 ? String(now() + ttlSeconds * 1000) : "";
    const base = `${MAC_PREFIX}*${sealingId}*${salt}*${iv.toString("base64url")}*${encrypted.toString("base64url")}*${expiration}`;
    const macSalt = random.toString("hex", 48, 80);
    return `${base}*${macSalt}*${mac(first, macSalt, base)}${VERSION_SUFFIX}`;
  };

  const open = (seal: string): OpenedSeal | undefined => {
    if (seal.length > MAX_SEAL_LENGTH || !seal.endsWith(VERSION_SUFFIX)) return undefined;
    const sealed = seal.slice(0, -VERSION_SUFFIX.length);
    if (sealed.includes("~")) return undefined;
    const parts = sealed.split("*");
    if (parts.length !== 8 || parts[0] !== MAC_PREFIX) return undefined;
    const [, id, salt, iv, encrypted, expiration, macSalt, digest] = parts as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const key = passwords.get(id);
    if (!key || !salt || !iv || !encrypted || !macSalt) return undefined;
    let expiresAtMs: number | undefined;
    if (expiration) {
      if (!EXPIRATION.test(expiration)) return undefined;
      expiresAtMs = Number(expiration);
      if (expiresAtMs <= now() - TIMESTAMP_SKEW_MS) return undefined;
    }
    const base = sealed.slice(0, sealed.length - macSalt.length - digest.length - 2);
    if (!sameString(mac(key.password, macSalt, base), digest)) return undefined;
    try {
      const ivBytes = Buffer.from(iv, "base64url");
      if (ivBytes.length !== 16) return undefined;
      const decipher = createDecipheriv("aes-256-cbc", deriveKey(key.password, salt), ivBytes);
      const text = Buffer.concat([
        decipher.update(Buffer.from(encrypted, "base64url")),
        decipher.final(),
      ]).toString("utf8");
      return { value: JSON.parse(text), expiresAtMs, secretId: key.secretId };
    } catch {
      return undefined;
    }
  };

  return {
    seal: async (value, ttlSeconds) => sealNow(value, ttlSeconds),
    async unseal(seal) {
      const value = open(seal)?.value;
      if (typeof value !== "object" || value === null || Object.keys(value).length === 0) {
        return undefined;
      }
      return value;
    },
    sealNow,
    open,
    accepts: (secretId) => accepted.has(secretId),
    currentSecretId: fingerprint(first),
  };
}

/** iron's key derivation: PBKDF2-SHA1, one iteration, 256-bit key, the salt string as bytes. */
function deriveKey(password: string, salt: string): Buffer {
  return pbkdf2Sync(password, salt, 1, 32, "sha1");
}

/** iron's MAC: HMAC-SHA-256 under a key derived with its own salt, base64url. */
function mac(password: string, salt: string, base: string): string {
  return createHmac("sha256", deriveKey(password, salt)).update(base).digest("base64url");
}

/** Constant-time comparison of two strings (their lengths are public). */
function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A stable numeric id for a password (iron-session wants numeric ids and seals with the largest). */
function passwordId(password: string): string {
  return String(createHash("sha256").update(password).digest().readUInt32BE(0) + 1);
}

/** A full-length fingerprint of a secret: what a cache entry records about the secret that opened it. */
function fingerprint(password: string): string {
  return createHash("sha256").update(`polar-oauth seal cache\0${password}`).digest("base64");
}
