import { randomBytes } from "node:crypto";
import type { PolarSessionConfig } from "../config/schema.js";
import { clearCookie, readCookie, serializeCookie } from "../http/cookies.js";
import { createSealCache } from "./cache.js";
import { isSessionData, type SessionData } from "./data.js";
import type { SessionRevocationStore } from "./revocation.js";
import { createSealer } from "./seal.js";

/** Options of the session cookie store. */
export interface SessionStoreOptions {
  config: PolarSessionConfig;
  /** Mark cookies Secure (the app is served over https). */
  secure: boolean;
  /** Clock in milliseconds (tests pass a fake one). */
  now: () => number;
  /** How many unsealed sessions to keep in memory. 0 turns the cache off. */
  cacheSize: number;
  /** Re-issue the cookie (sliding the idle timeout) at most this often, in seconds. */
  rollingIntervalSeconds: number;
  revocation?: SessionRevocationStore | undefined;
}

/** A session read from a request, and the cookie to send back if it was re-issued. */
export interface SessionRead {
  data: SessionData;
  /** The sealed cookie value the request carried. */
  seal: string;
  /** A `Set-Cookie` that slides the idle timeout, when one was due. */
  setCookie?: string | undefined;
}

/** Reads, issues and clears the sealed session cookie. Stateless apart from the cache. */
export interface SessionStore {
  read(cookieHeader: string | undefined): Promise<SessionRead | undefined>;
  /** Seals `data` (stamping `touchedAt`) and returns its `Set-Cookie`. */
  issue(data: SessionData): Promise<string>;
  /** A new session's bookkeeping fields. */
  start(): Pick<SessionData, "v" | "sid" | "createdAt" | "touchedAt">;
  /** Ends a session: forgets the cached seal, revokes the id if a store is set, and clears the cookie. */
  end(read: SessionRead | undefined): Promise<string>;
  readonly cacheSize: number;
}

/** Builds the session store over iron seals, the seal cache and the optional revocation store. */
export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const { config, secure, now, revocation } = options;
  const sealer = createSealer(config.secrets);
  const cache = createSealCache<SessionData>(options.cacheSize);
  const name = config.cookieName;
  const seconds = () => Math.floor(now() / 1000);
  const expiresAt = (data: SessionData) =>
    Math.min(
      data.touchedAt + config.idleTimeoutSeconds,
      data.createdAt + config.absoluteTimeoutSeconds,
    );

  async function issue(data: SessionData): Promise<string> {
    const touched: SessionData = { ...data, touchedAt: seconds() };
    const lifetime = expiresAt(touched) - touched.touchedAt;
    const seal = await sealer.seal(touched, Math.max(lifetime, 1));
    cache.set(seal, touched, expiresAt(touched) * 1000);
    return serializeCookie(name, seal, { path: "/", maxAgeSeconds: lifetime, secure });
  }

  return {
    async read(cookieHeader) {
      const seal = readCookie(cookieHeader, name);
      if (!seal) return undefined;
      const nowMs = now();
      let data = cache.get(seal, nowMs);
      if (!data) {
        const value = await sealer.unseal(seal, config.idleTimeoutSeconds);
        if (!isSessionData(value) || expiresAt(value) * 1000 <= nowMs) return undefined;
        data = value;
        cache.set(seal, data, expiresAt(data) * 1000);
      }
      if (revocation && (await revocation.isRevoked(data.sid))) {
        cache.delete(seal);
        return undefined;
      }
      const due = nowMs / 1000 - data.touchedAt >= options.rollingIntervalSeconds;
      return { data, seal, setCookie: due ? await issue(data) : undefined };
    },
    issue,
    start() {
      const t = seconds();
      return { v: 1, sid: randomBytes(16).toString("base64url"), createdAt: t, touchedAt: t };
    },
    async end(read) {
      if (read) {
        cache.delete(read.seal);
        await revocation?.revoke(
          read.data.sid,
          read.data.createdAt + config.absoluteTimeoutSeconds,
        );
      }
      return clearCookie(name, "/", secure);
    },
    get cacheSize() {
      return cache.size;
    },
  };
}
