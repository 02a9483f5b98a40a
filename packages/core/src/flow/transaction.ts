import { createHash } from "node:crypto";
import { clearCookie, cookieNameFor, readCookie, serializeCookie } from "../http/cookies.js";
import type { Sealer } from "../session/seal.js";

/** What the login step remembers for the callback: the checks and where to go afterwards. */
export interface LoginTransaction {
  purpose: "polar-login";
  state: string;
  nonce?: string | undefined;
  codeVerifier: string;
  /** Absolute URL on the app's origin to land on after sign-in. */
  returnTo: string;
}

/** Seconds a login transaction lives: enough to sign in and consent at Polar. */
export const TRANSACTION_TTL_SECONDS = 600;

/** The short-lived, sealed, per-attempt login transaction cookie (one per tab). */
export interface TransactionCookies {
  issue(transaction: LoginTransaction): Promise<string>;
  /** The transaction for this `state`, or undefined if absent, forged or expired. */
  read(cookieHeader: string | undefined, state: string): Promise<LoginTransaction | undefined>;
  /** True when a cookie for this `state` was sent at all (to tell "missing" from "invalid"). */
  has(cookieHeader: string | undefined, state: string): boolean;
  clear(state: string): string;
  /**
   * `Set-Cookie`s clearing the other attempts' cookies (all but `state`'s; all of them without
   * a `state`, as at a new login) when {@link MAX_PENDING_TRANSACTIONS} or more came with this
   * request (abandoned sign-ins would otherwise grow every request's Cookie header towards the
   * server's limit); else none.
   */
  clearAbandoned(cookieHeader: string | undefined, state?: string): string[];
}

/** The part of a transaction cookie's name after `<baseName>_tx_`: 16 base64url characters. */
const TX_SUFFIX = /^[A-Za-z0-9_-]{16}$/;

/** Pending sign-in attempts (tabs) kept before the callback clears the others. */
export const MAX_PENDING_TRANSACTIONS = 4;

/**
 * Each login attempt gets its own cookie, named after a hash of its `state`, so two tabs
 * signing in at once do not overwrite each other. HttpOnly, SameSite=Lax (it must survive the
 * top-level redirect back from Polar). Over https it is a `__Host-` cookie (so `Path=/`): a
 * sibling subdomain cannot plant its own sign-in attempt in the victim's browser (login
 * CSRF); over http (localhost) it keeps the bare name, scoped to the callback path. Its expiry
 * is sealed in and checked on the kit's clock (`now`), besides the seal's own TTL.
 */
export function createTransactionCookies(options: {
  sealer: Sealer;
  /** The configured session cookie name; the attempts' names derive from it. */
  baseName: string;
  callbackPath: string;
  secure: boolean;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
}): TransactionCookies {
  const { sealer, secure } = options;
  const now = options.now ?? Date.now;
  const prefix = `${cookieNameFor(options.baseName, secure)}_tx_`;
  const path = secure ? "/" : options.callbackPath;
  const name = (state: string) =>
    `${prefix}${createHash("sha256").update(state).digest("base64url").slice(0, 16)}`;
  return {
    async issue(transaction) {
      const expiresAt = now() + TRANSACTION_TTL_SECONDS * 1000;
      const seal = await sealer.seal({ ...transaction, expiresAt }, TRANSACTION_TTL_SECONDS);
      return serializeCookie(name(transaction.state), seal, {
        path,
        maxAgeSeconds: TRANSACTION_TTL_SECONDS,
        secure,
      });
    },
    async read(cookieHeader, state) {
      const seal = readCookie(cookieHeader, name(state));
      if (!seal) return undefined;
      const value = (await sealer.unseal(seal, TRANSACTION_TTL_SECONDS)) as
        | (Partial<LoginTransaction> & { expiresAt?: unknown })
        | undefined;
      if (
        value?.purpose !== "polar-login" ||
        typeof value.expiresAt !== "number" ||
        value.expiresAt <= now() ||
        typeof value.state !== "string" ||
        typeof value.codeVerifier !== "string" ||
        typeof value.returnTo !== "string"
      ) {
        return undefined;
      }
      const { expiresAt: _expiresAt, ...transaction } = value;
      return transaction as LoginTransaction;
    },
    has(cookieHeader, state) {
      return readCookie(cookieHeader, name(state)) !== undefined;
    },
    clear(state) {
      return clearCookie(name(state), path, secure);
    },
    clearAbandoned(cookieHeader, state) {
      // Every login runs this: skip the split when no attempt cookie came at all.
      if (!cookieHeader?.includes(prefix)) return [];
      const own = state === undefined ? undefined : name(state);
      const others = cookieHeader
        .split(";")
        .map((part) => part.trim().split("=", 1)[0]!)
        // Only names the kit itself writes are echoed back into Set-Cookie (the header is the
        // client's: a name with quotes, commas or spaces is left alone, never serialized).
        .filter(
          (cookie) =>
            cookie.startsWith(prefix) &&
            TX_SUFFIX.test(cookie.slice(prefix.length)) &&
            cookie !== own,
        );
      if (others.length < MAX_PENDING_TRANSACTIONS) return [];
      return [...new Set(others)].map((cookie) => clearCookie(cookie, path, secure));
    },
  };
}
