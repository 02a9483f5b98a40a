import type { KoaContext } from "oidc-provider";
import type { EmulatorEnv } from "../emulator-env.js";
import { allowCors, bearerToken, sendJson, sendOAuthError } from "../http-utils.js";
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
  const payload = token ? env.store.find("AccessToken", token) : undefined;
  const claims = payload ? userinfoClaims(env, payload) : undefined;
  if (!claims) {
    const description = token
      ? "The access token is invalid, expired or revoked."
      : "Missing access token: send Authorization: Bearer <access_token>.";
    ctx.set(
      "WWW-Authenticate",
      `Bearer realm="polar-emulator", error="invalid_token", error_description="${description}"`,
    );
    sendOAuthError(ctx, 401, "invalid_token", description);
    return;
  }
  sendJson(ctx, 200, claims);
}
