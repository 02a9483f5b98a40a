import type { KoaContext } from "oidc-provider";
import type { EmulatorEnv } from "./emulator-env.js";
import { sendJson } from "./http-utils.js";
import { TOKEN_PREFIX } from "./token-formats.js";
import type { FixtureUser } from "./types.js";

/**
 * Who calls a Polar API route, classified like Polar's `AuthSubjectMiddleware`
 * (server/polar/auth/middlewares.py): a bearer token decides when present (a registration
 * token counts as anonymous there), else the signed-in browser session. The emulator's own
 * login session cookie stands in for Polar's dashboard session.
 */
export type ApiCaller =
  | { kind: "anonymous" }
  /** `Bearer polar_crt_…`: anonymous for authentication, the credential of RFC 7592 calls. */
  | { kind: "registration_token"; token: string }
  /** Signed in on the emulator's login page (Polar: a web session). */
  | { kind: "web_session"; user: FixtureUser }
  /** A Personal Access Token or an OAuth access token: a user, but not a web session. */
  | { kind: "api_token"; user: FixtureUser }
  /** A bearer token Polar does not know: 401 `invalid_token` before any route runs. */
  | { kind: "invalid_token" };

/** The fixture user signed in on the emulator's login page in this browser, if any. */
export async function webSessionUser(
  ctx: KoaContext,
  env: EmulatorEnv,
): Promise<FixtureUser | undefined> {
  const session = await env.provider.Session.get(ctx);
  return session.accountId ? env.fixtures.user(session.accountId) : undefined;
}

/** Classifies the caller of a Polar API route (see {@link ApiCaller}). */
export async function identifyCaller(ctx: KoaContext, env: EmulatorEnv): Promise<ApiCaller> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get("authorization"));
  const token = match?.[1];
  if (token !== undefined) {
    if (token.startsWith(TOKEN_PREFIX.registrationAccessToken))
      return { kind: "registration_token", token };
    const patOwner = env.fixtures.userByPat(token);
    if (patOwner) return { kind: "api_token", user: patOwner };
    const accessToken = env.store.find("AccessToken", token);
    const owner = accessToken ? env.fixtures.user(String(accessToken.accountId)) : undefined;
    return owner ? { kind: "api_token", user: owner } : { kind: "invalid_token" };
  }
  const user = await webSessionUser(ctx, env);
  return user ? { kind: "web_session", user } : { kind: "anonymous" };
}

/** Polar's own error shape (server/polar/exception_handlers.py): `{"error": "<Class>", "detail"}`. */
export function sendPolarError(
  ctx: KoaContext,
  status: number,
  errorClass: string,
  detail: string,
): void {
  if (status === 401) ctx.set("WWW-Authenticate", 'Bearer realm="polar"');
  sendJson(ctx, status, { error: errorClass, detail });
}

/** 403 `NotPermitted`: an API token on a route for web sessions (and anonymous callers) only. */
export function sendNotPermitted(ctx: KoaContext): void {
  sendPolarError(ctx, 403, "NotPermitted", "Not permitted");
}

/** 401 `Unauthorized`: no credential where one is required. */
export function sendUnauthorized(ctx: KoaContext): void {
  sendPolarError(ctx, 401, "Unauthorized", "Unauthorized");
}

const INVALID_TOKEN_DESCRIPTION =
  "The access token provided is expired, revoked, malformed, or invalid for other reasons.";

/** 401 `invalid_token` (Authlib's RFC 6750 error, raised by Polar's middleware for an unknown token). */
export function sendInvalidToken(ctx: KoaContext): void {
  ctx.set(
    "WWW-Authenticate",
    `Bearer realm="polar", error="invalid_token", error_description="${INVALID_TOKEN_DESCRIPTION}"`,
  );
  sendJson(ctx, 401, { error: "invalid_token", error_description: INVALID_TOKEN_DESCRIPTION });
}
