import type { KoaContext } from "oidc-provider";
import { type EmulatorEnv, requestOrigin } from "../emulator-env.js";
import { allowCors, sendJson } from "../http-utils.js";
import { ROUTES } from "../provider.js";
import { POLAR_SCOPES } from "../scopes.js";

/**
 * Names the emulator in its discovery document. Polar never sends it; the kit refuses a server
 * that does in production (core `EMULATOR_METADATA_FIELD`, kept equal by a test).
 */
export const EMULATOR_METADATA_FIELD = "polar_oauth_emulator";

/**
 * Polar's discovery document: `issuer` per the option, endpoint URLs on the emulator's own
 * origin, plus `"polar_oauth_emulator": true` so nobody mistakes it for Polar.
 */
export function discoveryDocument(
  issuer: string,
  origin: string,
  scopes: readonly string[] = POLAR_SCOPES,
): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${origin}${ROUTES.authorization}`,
    token_endpoint: `${origin}${ROUTES.token}`,
    jwks_uri: `${origin}${ROUTES.jwks}`,
    registration_endpoint: `${origin}${ROUTES.registration}`,
    scopes_supported: [...scopes],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    // Polar's WebGrant (server/polar/oauth2/grants/web.py), for its own dashboard; a client
    // cannot register it (schemas.py allows authorization_code and refresh_token only).
    grant_types_supported: ["authorization_code", "refresh_token", "web"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    service_documentation: "https://polar.sh/docs",
    revocation_endpoint: `${origin}${ROUTES.revocation}`,
    revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    introspection_endpoint: `${origin}${ROUTES.introspection}`,
    introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    code_challenge_methods_supported: ["plain", "S256"],
    userinfo_endpoint: `${origin}${ROUTES.userinfo}`,
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    claims_supported: ["sub", "name", "email", "email_verified"],
    [EMULATOR_METADATA_FIELD]: true,
  };
}

/** GET /.well-known/openid-configuration (and /.well-known/oauth-authorization-server). */
export function handleDiscovery(ctx: KoaContext, env: EmulatorEnv): void {
  if (allowCors(ctx, "GET")) return;
  if (ctx.method !== "GET" && ctx.method !== "HEAD") {
    ctx.set("Allow", "GET");
    sendJson(ctx, 405, { detail: "Method Not Allowed" });
    return;
  }
  ctx.set("Access-Control-Allow-Origin", "*");
  sendJson(ctx, 200, discoveryDocument(env.issuer, requestOrigin(ctx), env.scopes));
  ctx.set("Cache-Control", "public, max-age=60");
}
