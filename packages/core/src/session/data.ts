import type { SubType } from "../registration/schema.js";

/** The signed-in Polar user, as the id_token (or userinfo) describes them. */
export interface PolarUser {
  /** Polar's subject id: the user's id, or the organization's for `sub_type=organization`. */
  sub: string;
  email?: string | undefined;
  emailVerified?: boolean | undefined;
}

/** What the sealed session cookie holds. Tokens stay inside; apps read {@link PolarSession}. */
export interface SessionData {
  v: 1;
  /** Random session id: the handle for server-side revocation. */
  sid: string;
  /** The Polar client id the session was created for. */
  cid: string;
  user: PolarUser;
  subType: SubType;
  /** Granted scope, space-separated. */
  scope: string;
  accessToken: string;
  refreshToken?: string | undefined;
  /** Access token expiry, epoch seconds. */
  expiresAt: number;
  /** Login time, epoch seconds (absolute lifetime). */
  createdAt: number;
  /** Last time the cookie was re-issued, epoch seconds (idle lifetime). */
  touchedAt: number;
  /** What `onLogin` returned: the app's own data about this user. */
  app?: Record<string, unknown> | undefined;
}

/** The session as apps see it: who is signed in and what was granted. Never the tokens. */
export interface PolarSession {
  user: PolarUser;
  subType: SubType;
  /** Granted scopes. */
  scopes: string[];
  /** When the current access token expires, epoch seconds. */
  accessTokenExpiresAt: number;
  /** When the user signed in, epoch seconds. */
  signedInAt: number;
  /** What `onLogin` returned. */
  app?: Record<string, unknown> | undefined;
}

/**
 * The public view of the sealed data: fresh objects, so an app that changes its copy changes
 * nothing else. Built on every signed-in request that looks at the session, so it copies
 * field by field (an object spread and `filter(Boolean)` cost several times more).
 */
export function toPolarSession(data: SessionData): PolarSession {
  const { user } = data;
  const copy: PolarUser = { sub: user.sub };
  if (user.email !== undefined) copy.email = user.email;
  if (user.emailVerified !== undefined) copy.emailVerified = user.emailVerified;
  return {
    user: copy,
    subType: data.subType,
    scopes: splitScopes(data),
    accessTokenExpiresAt: data.expiresAt,
    signedInAt: data.createdAt,
    app: data.app,
  };
}

const SCOPES = Symbol("polar-oauth.scopes");

/**
 * The granted scopes as a new list. A session's data object is shared by every request of a
 * cached session and never changed in place, so its split scope string is remembered on it
 * (non-enumerable: spreads and JSON ignore it) along with the string it came from.
 */
function splitScopes(data: SessionData): string[] {
  const memo = (data as { [SCOPES]?: { from: string; scopes: string[] } })[SCOPES];
  if (memo?.from === data.scope) return memo.scopes.slice();
  const scopes = data.scope.split(" ").filter((s) => s !== "");
  Object.defineProperty(data, SCOPES, { value: { from: data.scope, scopes }, writable: true });
  return scopes.slice();
}

/** True when an unsealed value has the session's shape (a seal of something else is refused). */
export function isSessionData(value: unknown): value is SessionData {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  const user = v.user as Record<string, unknown> | undefined;
  return (
    v.v === 1 &&
    typeof v.sid === "string" &&
    typeof v.cid === "string" &&
    typeof user === "object" &&
    user !== null &&
    typeof user.sub === "string" &&
    (v.subType === "user" || v.subType === "organization") &&
    typeof v.scope === "string" &&
    typeof v.accessToken === "string" &&
    (v.refreshToken === undefined || typeof v.refreshToken === "string") &&
    typeof v.expiresAt === "number" &&
    typeof v.createdAt === "number" &&
    typeof v.touchedAt === "number"
  );
}
