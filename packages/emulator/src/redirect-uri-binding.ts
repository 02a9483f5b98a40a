import type { KoaContext } from "oidc-provider";
import type { EmulatorEnv } from "./emulator-env.js";

/**
 * The authorization parameter that carries "no `redirect_uri` was sent" from the first
 * authorization request through login and consent to the code (declared in provider.ts
 * `extraParams`; routes/authorize.ts sets it).
 */
export const REDIRECT_URI_OMITTED = "polar_emulator_redirect_uri_omitted";

/**
 * After oidc-provider answered an authorization request (or its resume): marks the code it just
 * issued when the request sent no `redirect_uri`. Polar's `save_authorization_code`
 * (`server/polar/oauth2/grants/authorization_code.py`) stores `payload.redirect_uri`, which is
 * then None; the emulator still redirects to the first registered URI, as Authlib does.
 */
export function recordCodeRedirectUri(ctx: KoaContext, env: EmulatorEnv): void {
  const code = (ctx.oidc?.entities as { AuthorizationCode?: { jti: string } } | undefined)
    ?.AuthorizationCode;
  const params = ctx.oidc?.params as Record<string, unknown> | undefined;
  if (code && params?.[REDIRECT_URI_OMITTED] === "1")
    env.store.markCodeWithoutRedirectUri(code.jti);
}

/**
 * Authlib 1.7.2's check at the token endpoint (`AuthorizationCodeGrant.validate_token_request`
 * in `authlib/oauth2/rfc6749/grants/authorization_code.py`): when the code was bound to a
 * redirect URI, the request must repeat it exactly (omitting it is a mismatch); a code issued
 * without one accepts any. Returns `mismatch`, the URI oidc-provider must see for the code, or
 * undefined for a code this client does not hold (oidc-provider refuses it).
 */
export function tokenRedirectUri(
  env: EmulatorEnv,
  code: string,
  clientId: string,
  sent: string | undefined,
): "mismatch" | string | undefined {
  const payload = env.store.find("AuthorizationCode", code);
  if (!payload || payload.clientId !== clientId || typeof payload.redirectUri !== "string") {
    return undefined;
  }
  if (env.store.codeHasNoRedirectUri(code)) return payload.redirectUri;
  return sent === payload.redirectUri ? sent : "mismatch";
}
