import type { KoaContext, KoaNext } from "oidc-provider";
import type { EmulatorEnv } from "../emulator-env.js";
import { mediaType, parseBasicAuth, parseForm, peekBody } from "../http-utils.js";
import { sendRateLimited } from "./rate-limited.js";

/**
 * POST /v1/oauth2/token: counts the grant type, rate limits per client, serialises redemptions of
 * the same code or refresh token (the second one fails with invalid_grant), lets oidc-provider
 * answer, then records the new access/refresh pair and drops the id_token from refresh responses.
 */
export async function handleToken(ctx: KoaContext, env: EmulatorEnv, next: KoaNext): Promise<void> {
  if (ctx.method !== "POST") return next();
  const body = await peekBody(ctx);
  const params = mediaType(ctx) === "application/x-www-form-urlencoded" ? parseForm(body) : {};
  env.stats.tokenGrant(params.grant_type);

  const clientId = parseBasicAuth(ctx.get("authorization"))?.clientId ?? params.client_id;
  if (clientId && env.clients.get(clientId)) {
    const decision = env.limiter.token(clientId);
    if (!decision.allowed) return sendRateLimited(ctx, env, decision, "token requests per client");
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
    if (
      params.grant_type === "refresh_token" &&
      typeof ctx.body === "object" &&
      ctx.body !== null
    ) {
      delete (ctx.body as Record<string, unknown>).id_token;
    }
  });
}
