import type { KoaContext, KoaNext } from "oidc-provider";
import type { EmulatorEnv } from "../emulator-env.js";
import {
  mediaType,
  parseBasicAuth,
  parseForm,
  peekBody,
  replayBody,
  sendOAuthError,
} from "../http-utils.js";
import { toPolarIdToken } from "../id-token.js";
import { tokenRedirectUri } from "../redirect-uri-binding.js";
import { sendRateLimited } from "./rate-limited.js";

/**
 * POST /v1/oauth2/token: counts the grant type, rate limits per client, enforces the registered
 * client authentication method exactly (oidc-provider treats basic and post alike), binds a
 * code's `redirect_uri` as Authlib does (`redirect-uri-binding.ts`), serialises redemptions of
 * the same code or refresh token (the second one fails with invalid_grant), lets oidc-provider
 * answer, then records the new access/refresh pair, drops the id_token from refresh responses
 * and gives the code's id_token Polar's shape (`id-token.ts`).
 */
export async function handleToken(ctx: KoaContext, env: EmulatorEnv, next: KoaNext): Promise<void> {
  if (ctx.method !== "POST") return next();
  const body = await peekBody(ctx);
  const params = mediaType(ctx) === "application/x-www-form-urlencoded" ? parseForm(body) : {};
  env.stats.tokenGrant(params.grant_type);

  const basic = parseBasicAuth(ctx.get("authorization"));
  const clientId = basic?.clientId ?? params.client_id;
  const client = clientId ? env.clients.get(clientId) : undefined;
  if (client) {
    const decision = env.limiter.token(client.clientId);
    if (!decision.allowed) return sendRateLimited(ctx, env, decision);
    const used = basic
      ? "client_secret_basic"
      : params.client_secret !== undefined
        ? "client_secret_post"
        : "none";
    const registered = client.metadata.token_endpoint_auth_method;
    if (used !== registered && !(basic && params.client_secret !== undefined)) {
      sendOAuthError(
        ctx,
        401,
        "invalid_client",
        `This client must authenticate with its registered token_endpoint_auth_method (${registered}), not ${used}.`,
      );
      return;
    }
  }

  if (client && params.grant_type === "authorization_code" && params.code) {
    const bound = tokenRedirectUri(env, params.code, client.clientId, params.redirect_uri);
    if (bound === "mismatch") {
      sendOAuthError(ctx, 400, "invalid_grant", "Invalid 'redirect_uri' in request.");
      return;
    }
    if (bound !== undefined && bound !== params.redirect_uri) {
      const form = new URLSearchParams(body.toString("utf8"));
      form.set("redirect_uri", bound);
      replayBody(ctx, Buffer.from(form.toString()));
    }
  }

  const lockKey =
    params.grant_type === "authorization_code" && params.code
      ? `code:${params.code}`
      : params.grant_type === "refresh_token" && params.refresh_token
        ? `refresh:${params.refresh_token}`
        : undefined;

  await env.locks.run(lockKey, async () => {
    await next();
    if (ctx.status !== 200 || !ctx.oidc) return;
    const { AccessToken, RefreshToken } = ctx.oidc.entities;
    if (AccessToken && RefreshToken) env.store.linkPair(AccessToken.jti, RefreshToken.jti);
    if (typeof ctx.body !== "object" || ctx.body === null) return;
    const body = ctx.body as Record<string, unknown>;
    // Polar registers OpenIDToken on the authorization code grant only: a refresh has no id_token.
    if (params.grant_type === "refresh_token") delete body.id_token;
    else if (typeof body.id_token === "string") {
      body.id_token = toPolarIdToken(body.id_token, env.signingKey);
    }
  });
}
