import type { SubType } from "../registration/schema.js";

/** The signed-in Polar user, as the id_token (or userinfo) describes them. */
export interface PolarUser {
  /** The Polar user's id. Always the user, also after an organization sign-in (Polar issues user tokens only). */
  sub: string;
  email?: string | undefined;
  emailVerified?: boolean | undefined;
}

/**
 * The organization an organization sign-in (`subType: "organization"`) was limited to: the
 * user picked it on Polar's consent screen and the tokens reach only it. `name` and `slug` are
 * known when the organizations API could be read (`organizations:read` granted).
 */
export interface PolarOrganization {
  id: string;
  name?: string | undefined;
  slug?: string | undefined;
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
  /** The chosen organization of an organization sign-in, resolved once at the callback. */
  org?: PolarOrganization | undefined;
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
  /**
   * After an organization sign-in: the organization the user chose (the tokens reach only it).
   * Undefined for user sign-ins, and for a public client without `organizations:read`, which
   * has no way to learn it.
   */
  organization?: PolarOrganization | undefined;
  /** Granted scopes. */
  scopes: string[];
  /** When the current access token expires, epoch seconds. */
  accessTokenExpiresAt: number;
  /** When the user signed in, epoch seconds. */
  signedInAt: number;
  /**
   * What `onLogin` returned, as JSON (a `Date` becomes its ISO string) and deep-frozen: the
   * same value on a cached session, one opened from its cookie, and on any other instance.
   */
  app?: Record<string, unknown> | undefined;
}

/**
 * The public view of the sealed data: fresh objects, so an app that changes its copy changes
 * nothing else, except `app`, which is shared by every request of a cached session and not
 * copied (a deep copy per request would cost more than the rest): it is frozen instead.
 * Built on every signed-in request that looks at the session, so it copies field by field (an
 * object spread and `filter(Boolean)` cost several times more).
 */
export function toPolarSession(data: SessionData): PolarSession {
  const { user } = data;
  const copy: PolarUser = { sub: user.sub };
  if (user.email !== undefined) copy.email = user.email;
  if (user.emailVerified !== undefined) copy.emailVerified = user.emailVerified;
  return {
    user: copy,
    subType: data.subType,
    organization: data.org ? copyOrganization(data.org) : undefined,
    scopes: splitScopes(data),
    accessTokenExpiresAt: data.expiresAt,
    signedInAt: data.createdAt,
    app: data.app,
  };
}

function copyOrganization(org: PolarOrganization): PolarOrganization {
  const copy: PolarOrganization = { id: org.id };
  if (org.name !== undefined) copy.name = org.name;
  if (org.slug !== undefined) copy.slug = org.slug;
  return copy;
}

function isOrganization(value: unknown): boolean {
  if (value === undefined) return true;
  const org = value as Record<string, unknown> | null;
  return (
    typeof org === "object" &&
    org !== null &&
    typeof org.id === "string" &&
    (org.name === undefined || typeof org.name === "string") &&
    (org.slug === undefined || typeof org.slug === "string")
  );
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
    isOrganization(v.org) &&
    typeof v.scope === "string" &&
    typeof v.accessToken === "string" &&
    (v.refreshToken === undefined || typeof v.refreshToken === "string") &&
    typeof v.expiresAt === "number" &&
    typeof v.createdAt === "number" &&
    typeof v.touchedAt === "number"
  );
}
