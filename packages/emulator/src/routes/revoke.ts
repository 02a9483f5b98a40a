import type { KoaContext } from "oidc-provider";
import type { EmulatorEnv } from "../emulator-env.js";
import { sendJson } from "../http-utils.js";
import { destroyIssuedToken, findIssuedToken } from "../token-lookup.js";
import { acceptClientForm } from "./form-endpoint.js";

/**
 * POST /v1/oauth2/revoke: 200 `{}` for an authenticated confidential client, also for a token
 * Polar does not know; another client's token → 400 `invalid_grant` (Authlib's RFC 7009
 * `authenticate_token` checks `token.check_client`). Revoking either token of a pair kills
 * both, whatever the hint: Polar's `revoke_token` (server/polar/oauth2/authorization_server.py)
 * marks only the access token revoked for `token_type_hint=access_token`, but Authlib 1.7.2's
 * `OAuth2TokenMixin.is_revoked()` (`authlib/integrations/sqla_oauth2/tokens_mixins.py`) is
 * `access_token_revoked_at or refresh_token_revoked_at`, and Polar's
 * `RefreshTokenGrant.authenticate_refresh_token` refuses a token whose `is_revoked()` is true.
 */
export async function handleRevoke(ctx: KoaContext, env: EmulatorEnv): Promise<void> {
  const accepted = await acceptClientForm(ctx, env);
  if (!accepted) return;
  const { form, client } = accepted;
  const token = findIssuedToken(env.store, form.token!, form.token_type_hint);
  if (token && token.payload.clientId !== client.clientId) {
    sendJson(ctx, 400, { error: "invalid_grant" });
    return;
  }
  if (token) {
    const partnerId = env.store.partnerOf(token.id);
    destroyIssuedToken(env.store, token);
    if (partnerId) {
      env.store.remove(token.type === "access_token" ? "RefreshToken" : "AccessToken", partnerId);
    }
  }
  sendJson(ctx, 200, {});
}
