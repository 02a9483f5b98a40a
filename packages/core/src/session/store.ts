import { randomBytes } from "node:crypto";
import type { PolarSessionConfig } from "../config/schema.js";
import { clearCookie, cookieNameFor, readCookie, serializeCookie } from "../http/cookies.js";
import { deepFreeze } from "./app-data.js";
import { createSealCache, type SealCache } from "./cache.js";
import { isSessionData, type SessionData } from "./data.js";
import type { RevocationResult, SessionRevocationStore } from "./revocation.js";
import { createSealer } from "./seal.js";

/** Options of the session cookie store. */
export interface SessionStoreOptions {
  config: PolarSessionConfig;
  /**
   * The Polar client the sessions belong to. Stamped into every session and required on read,
   * so an app sharing SESSION_SECRET (staging and production, say) cannot pass its cookies off.
   */
  clientId: string;
  /** Mark cookies Secure (the app is served over https). */
  secure: boolean;
  /** Clock in milliseconds (tests pass a fake one). */
  now: () => number;
  /** How many unsealed sessions to keep in memory. 0 turns the cache off. */
  cacheSize: number;
  /**
   * A cache to use instead of a new one (e.g. kept across a secret rotation that rebuilds the
   * store): entries whose secret the new secrets lack are never served.
   */
  cache?: SealCache<CachedSession> | undefined;
  /** Re-issue the cookie (sliding the idle timeout) at most this often, in seconds. */
  rollingIntervalSeconds: number;
  revocation?: SessionRevocationStore | undefined;
}

/** What the cache keeps per seal: the session, and the cookie that re-issued it, once one did. */
export interface CachedSession {
  data: SessionData;
  reissued?: { setCookie: string; atMs: number } | undefined;
}

/** A session read from a request, and the cookie to send back if it was re-issued. */
export interface SessionRead {
  data: SessionData;
  /** The sealed cookie value the request carried. */
  seal: string;
  /** A `Set-Cookie` that slides the idle timeout, when one was due. */
  setCookie?: string | undefined;
}

/**
 * How ending a session went for the revocation store: `revoked` (every instance refuses it),
 * `pending` (kept and retried by the store, not written for every instance yet), `failed` (the
 * store threw: copies of the cookie stay valid until they expire), `none` (no store, or no
 * session to revoke).
 */
export type RevocationOutcome = RevocationResult | "failed" | "none";

/** A session ended: the cookie that clears it, and what became of its revocation. */
export interface SessionEnd {
  setCookie: string;
  revocation: RevocationOutcome;
}

/** Reads, issues and clears the sealed session cookie. Stateless apart from the cache. */
export interface SessionStore {
  read(cookieHeader: string | undefined): Promise<SessionRead | undefined>;
  /**
   * Opens the session cookie without asking the revocation store: for logout, which needs the
   * session's id and tokens to revoke them, not permission (and must work while the store is
   * down or the session is already revoked elsewhere).
   */
  open(cookieHeader: string | undefined): SessionRead | undefined;
  /** Seals `data` (stamping `touchedAt`) and returns its `Set-Cookie`. */
  issue(data: SessionData): Promise<string>;
  /** A new session's bookkeeping fields. */
  start(): Pick<SessionData, "v" | "sid" | "cid" | "createdAt" | "touchedAt">;
  /** Ends a session: forgets the cached seal, revokes the id if a store is set, and clears the cookie. */
  end(read: SessionRead | undefined): Promise<string>;
  /** {@link SessionStore.end}, saying what became of the revocation (logout reports it). */
  signOut(read: SessionRead | undefined): Promise<SessionEnd>;
  readonly cacheSize: number;
}

/** How long concurrent requests that still carry a rolled cookie get the same re-issued one. */
const REISSUE_REUSE_MS = 60_000;

/**
 * Builds the session store over iron seals, the seal cache and the optional revocation store.
 *
 * The read path of a signed-in request: find the cookie in the header, SHA-256 it, look it up
 * in the cache (no unseal, no allocation beyond the hash), check revocation if a store is set,
 * and re-seal only when the rolling interval has passed (at most once per interval and seal:
 * concurrent requests with the old cookie share one re-issued cookie).
 */
export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const { config, secure, now, revocation } = options;
  const sealer = createSealer(config.secrets, now);
  const cache = options.cache ?? createSealCache<CachedSession>(options.cacheSize);
  // `__Host-` over https: a sibling subdomain can neither plant nor shadow the session.
  const name = cookieNameFor(config.cookieName, secure);
  const rollingMs = options.rollingIntervalSeconds * 1000;
  const seconds = () => Math.floor(now() / 1000);
  const expiresAt = (data: SessionData) =>
    Math.min(
      data.touchedAt + config.idleTimeoutSeconds,
      data.createdAt + config.absoluteTimeoutSeconds,
    );

  function issueNow(data: SessionData): string {
    const nowMs = now();
    const touched: SessionData = { ...data, touchedAt: Math.floor(nowMs / 1000) };
    const lifetime = Math.max(expiresAt(touched) - touched.touchedAt, 1);
    const seal = sealer.sealNow(touched, lifetime);
    const until = Math.min(expiresAt(touched) * 1000, nowMs + lifetime * 1000);
    cache.set(seal, { data: touched }, until, sealer.currentSecretId);
    return serializeCookie(name, seal, { path: "/", maxAgeSeconds: lifetime, secure });
  }

  /** The cached or freshly opened session for a seal; undefined when invalid or expired. */
  function lookup(seal: string, nowMs: number): CachedSession | undefined {
    const cached = cache.get(seal, nowMs, sealer.accepts);
    if (cached) return cached;
    const opened = sealer.open(seal);
    if (!opened || !isSessionData(opened.value) || opened.value.cid !== options.clientId) {
      return undefined;
    }
    const until = Math.min(expiresAt(opened.value) * 1000, opened.expiresAtMs ?? Infinity);
    if (until <= nowMs) return undefined;
    deepFreeze(opened.value.app);
    const entry: CachedSession = { data: opened.value };
    cache.set(seal, entry, until, opened.secretId);
    return entry;
  }

  function rolled(entry: CachedSession, nowMs: number): string | undefined {
    if (nowMs - entry.data.touchedAt * 1000 < rollingMs) return undefined;
    const reused = entry.reissued;
    if (reused && nowMs - reused.atMs < REISSUE_REUSE_MS) return reused.setCookie;
    const setCookie = issueNow(entry.data);
    entry.reissued = { setCookie, atMs: nowMs };
    return setCookie;
  }

  async function signOut(read: SessionRead | undefined): Promise<SessionEnd> {
    let outcome: RevocationOutcome = "none";
    if (read) {
      cache.delete(read.seal);
      if (revocation) {
        try {
          const until = read.data.createdAt + config.absoluteTimeoutSeconds;
          outcome = (await revocation.revoke(read.data.sid, until)) ?? "revoked";
        } catch {
          outcome = "failed";
        }
      }
    }
    return { setCookie: clearCookie(name, "/", secure), revocation: outcome };
  }

  return {
    async read(cookieHeader) {
      const seal = readCookie(cookieHeader, name);
      if (!seal) return undefined;
      const nowMs = now();
      const entry = lookup(seal, nowMs);
      if (!entry) return undefined;
      if (revocation && (await revocation.isRevoked(entry.data.sid))) {
        cache.delete(seal);
        return undefined;
      }
      return { data: entry.data, seal, setCookie: rolled(entry, nowMs) };
    },
    open(cookieHeader) {
      const seal = readCookie(cookieHeader, name);
      const entry = seal ? lookup(seal, now()) : undefined;
      return seal && entry ? { data: entry.data, seal } : undefined;
    },
    issue: async (data) => issueNow(data),
    start() {
      const t = seconds();
      const sid = randomBytes(16).toString("base64url");
      return { v: 1, sid, cid: options.clientId, createdAt: t, touchedAt: t };
    },
    end: async (read) => (await signOut(read)).setCookie,
    signOut,
    get cacheSize() {
      return cache.size;
    },
  };
}
