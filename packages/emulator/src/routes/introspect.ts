import type { KoaContext } from "oidc-provider";
import type { EmulatorEnv } from "../emulator-env.js";
import { sendJson } from "../http-utils.js";
import { downScopeOfToken, findIssuedToken } from "../token-lookup.js";
import { acceptClientForm } from "./form-endpoint.js";

/**
 * POST /v1/oauth2/introspect: `{active:false}`, or Polar's shape for a live token of the calling
 * client (`server/polar/models/oauth2_token.py` `get_introspection_data`). Like Polar's token row, a refresh token is active only while its access token is.
 */
export async function handleIntrospect(ctx: KoaContext, env: EmulatorEnv): Promise<void> {
  const accepted = await acceptClientForm(ctx, env);
  if (!accepted) return;
  const { form, client } = accepted;
  const token = findIssuedToken(env.store, form.token!, form.token_type_hint);
  if (!token || token.payload.clientId !== client.clientId) {
    sendJson(ctx, 200, { active: false });
    return;
  }
  let row = token.payload;
  if (token.type === "refresh_token") {
    const partnerId = env.store.partnerOf(token.id);
    const accessToken = partnerId ? env.store.find("AccessToken", partnerId) : undefined;
    if (!accessToken) {
      sendJson(ctx, 200, { active: false });
      return;
    }
    row = accessToken;
  }
  sendJson(ctx, 200, {
    active: true,
    client_id: client.clientId,
    token_type: "Bearer",
    scope: typeof row.scope === "string" ? row.scope : "",
    // Polar issues user tokens only; `organizations` is the down-scope (empty: every organization).
    sub_type: "user",
    sub: String(row.accountId),
    organizations: downScopeOfToken(env.store, row),
    aud: client.clientId,
    iss: env.issuer,
    exp: row.exp,
    iat: row.iat,
  });
}
