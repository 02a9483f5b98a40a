import type { KoaContext } from "oidc-provider";
import { sendInvalidToken, sendUnauthorized } from "../api-caller.js";
import type { EmulatorEnv } from "../emulator-env.js";
import { allowCors, bearerToken, sendJson } from "../http-utils.js";
import { splitScope } from "../scopes.js";

/** The claims Polar's userinfo returns for a (user) token and its scope (`server/polar/oauth2/userinfo.py`). */
export function userinfoClaims(
  env: EmulatorEnv,
  payload: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const user = env.fixtures.user(String(payload.accountId));
  if (!user) return undefined;
  const scopes = new Set(splitScope(typeof payload.scope === "string" ? payload.scope : undefined));
  return scopes.has("email")
    ? { sub: user.id, email: user.email, email_verified: user.emailVerified }
    : { sub: user.id };
}

/** GET or POST /v1/oauth2/userinfo with `Authorization: Bearer <access_token>`. */
export function handleUserinfo(ctx: KoaContext, env: EmulatorEnv): void {
  if (allowCors(ctx, "GET, POST")) return;
  if (ctx.method !== "GET" && ctx.method !== "POST") {
    ctx.set("Allow", "GET, POST");
    sendJson(ctx, 405, { detail: "Method Not Allowed" });
    return;
  }
  const token = bearerToken(ctx);
  // Polar's get_token (server/polar/oauth2/dependencies.py): no bearer → 401 Unauthorized in
  // Polar's own error shape; an unknown, expired or revoked token → 401 invalid_token.
  const payload = token ? env.store.find("AccessToken", token) : undefined;
  const claims = payload ? userinfoClaims(env, payload) : undefined;
  if (!token) sendUnauthorized(ctx);
  else if (!claims) sendInvalidToken(ctx);
  else sendJson(ctx, 200, claims);
}
