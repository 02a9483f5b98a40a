import type { KoaContext, KoaNext } from "oidc-provider";
import { authenticateClient, sendClientAuthError, TOKEN_METHODS } from "../client-auth.js";
import type { EmulatorEnv } from "../emulator-env.js";
import {
  mediaType,
  parseBasicAuth,
  parseForm,
  peekBody,
  replayBody,
  sendJson,
  sendOAuthError,
} from "../http-utils.js";
import { toPolarIdToken } from "../id-token.js";
import { tokenRedirectUri } from "../redirect-uri-binding.js";
import { authlibTokenError, codeVerifierError, type TokenError } from "../token-errors.js";
import { sendRateLimited } from "./rate-limited.js";

/**
 * POST /v1/oauth2/token: counts the grant type, rate limits per client, authenticates the
 * client as Authlib does (`client-auth.ts`: exactly the registered method; oidc-provider
 * treats basic and post alike), answers errors with Authlib's words (`token-errors.ts`), binds a
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

  // Authlib's get_token_grant runs before client authentication.
  if (params.grant_type !== "authorization_code" && params.grant_type !== "refresh_token") {
    const { status, body: error } = authlibTokenError(params, {
      status: 400,
      body: { error: "unsupported_grant_type" },
    });
    return sendJson(ctx, status, error);
  }
  const auth = authenticateClient(ctx, params, env.clients, TOKEN_METHODS, "token");
  const claimed = auth.ok
    ? auth.client
    : env.clients.get(parseBasicAuth(ctx.get("authorization"))?.clientId ?? params.client_id ?? "");
  if (claimed) {
    const decision = env.limiter.token(claimed.clientId);
    if (!decision.allowed) return sendRateLimited(ctx, env, decision);
  }
  if (!auth.ok) return sendClientAuthError(ctx, auth);
  const { client } = auth;

  if (params.grant_type === "authorization_code" && params.code) {
    const bound = tokenRedirectUri(env, params.code, client.clientId, params.redirect_uri);
    if (bound === "mismatch") {
      sendOAuthError(ctx, 400, "invalid_grant", "Invalid 'redirect_uri' in request.");
      return;
    }
    const pkce = codeVerifierError(env.store, params.code, client.clientId, params.code_verifier);
    if (pkce) return sendJson(ctx, pkce.status, pkce.body);
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
    const answer = ctx.body as TokenError["body"] | undefined;
    if (ctx.status >= 400 && typeof answer?.error === "string") {
      const rewritten = authlibTokenError(params, { status: ctx.status, body: answer });
      ctx.status = rewritten.status;
      ctx.body = rewritten.body;
      return;
    }
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
