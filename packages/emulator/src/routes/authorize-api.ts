import type { KoaContext } from "oidc-provider";
import { checkClientAndRedirect } from "../authorize-checks.js";
import type { ClientRecord } from "../client-registry.js";
import type { EmulatorEnv } from "../emulator-env.js";
import { allowCors, sendJson, sendOAuthError } from "../http-utils.js";
import { describeScope, isSupportedScope, splitScope } from "../scopes.js";
import { sendRateLimited } from "./rate-limited.js";

const CODE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;

/** An OAuth error Polar sends back to the redirect URI (302), carrying `state` when one was sent. */
function redirectWithError(
  ctx: KoaContext,
  redirectUri: string,
  query: URLSearchParams,
  error: string,
  description?: string,
): void {
  const target = new URL(redirectUri);
  target.searchParams.append("error", error);
  if (description) target.searchParams.append("error_description", description);
  const state = query.get("state");
  if (state) target.searchParams.append("state", state);
  ctx.status = 302;
  ctx.set("Location", target.href);
  ctx.set("Cache-Control", "no-store");
  ctx.body = "";
}

/** Polar's `AuthorizeResponse` for a caller without a Polar session (`sub: null`, no organizations). */
function anonymousAuthorizeResponse(client: ClientRecord, scopes: string[], subType: string) {
  const { metadata } = client;
  return {
    client: {
      created_at: client.createdAt,
      modified_at: client.modifiedAt,
      client_id: client.clientId,
      client_name: metadata.client_name ?? null,
      client_uri: metadata.client_uri ?? null,
      logo_uri: metadata.logo_uri ?? null,
      tos_uri: metadata.tos_uri ?? null,
      policy_uri: metadata.policy_uri ?? null,
    },
    sub_type: "user",
    sub: null,
    scopes,
    organizations: [],
    requires_single_organization: subType === "organization",
    scope_display_names: Object.fromEntries(scopes.map((scope) => [scope, describeScope(scope)])),
  };
}

/**
 * `GET /v1/oauth2/authorize`: the JSON API behind Polar's browser page
 * (`server/polar/oauth2/endpoints/oauth2.py` `authorize`, Authlib's `get_consent_grant`).
 * The emulator has no Polar web session here, so every caller is anonymous. In order:
 * response_type, repeated parameters, client_id and redirect URI (400 JSON, no redirect);
 * then scope and PKCE format (302 to the redirect URI with the error); `sub_type` (400 JSON);
 * `prompt=none` (302 `login_required`); then 401 when a login is needed (`openid` in scope),
 * else Polar's consent data with `sub: null`.
 */
export function handleAuthorizeApi(ctx: KoaContext, env: EmulatorEnv) {
  if (allowCors(ctx, "GET")) return;
  if (ctx.method !== "GET") {
    ctx.set("Allow", "GET");
    sendJson(ctx, 405, { detail: "Method Not Allowed" });
    return;
  }
  const query = new URLSearchParams(ctx.querystring);
  const responseType = query.get("response_type");
  const target = checkClientAndRedirect(env, query);
  if (responseType !== "code") {
    const description = `The response type '${responseType ?? "None"}' is not supported by the server.`;
    // Polar redirects to redirect_uri before validating it; the emulator only redirects to a registered one.
    if (target.ok && query.get("redirect_uri"))
      return redirectWithError(
        ctx,
        target.redirectUri,
        query,
        "unsupported_response_type",
        description,
      );
    return sendOAuthError(ctx, 400, "unsupported_response_type", description);
  }
  if (!target.ok) return sendOAuthError(ctx, 400, target.error, target.description);
  const { client, redirectUri } = target;
  const decision = env.limiter.authorization(client.clientId);
  if (!decision.allowed)
    return sendRateLimited(ctx, env, decision, "authorization requests per client");

  // Polar: an omitted scope means the client's registered scope; unknown scopes are refused.
  const scope = query.get("scope") ?? client.metadata.scope;
  const scopes = splitScope(scope);
  if (scopes.some((s) => !isSupportedScope(s))) {
    return redirectWithError(
      ctx,
      redirectUri,
      query,
      "invalid_scope",
      "The requested scope is invalid, unknown, or malformed.",
    );
  }
  const challenge = query.get("code_challenge");
  const method = query.get("code_challenge_method");
  if (challenge || method) {
    const problem = !challenge
      ? "Missing 'code_challenge'"
      : !CODE_CHALLENGE.test(challenge)
        ? "Invalid 'code_challenge'"
        : method && method !== "plain" && method !== "S256"
          ? "Unsupported 'code_challenge_method'"
          : undefined;
    if (problem) return redirectWithError(ctx, redirectUri, query, "invalid_request", problem);
  }
  const subType = query.get("sub_type") ?? "user";
  if (subType !== "user" && subType !== "organization") {
    return sendOAuthError(ctx, 400, "invalid_request", "Invalid sub_type");
  }
  const prompts = (query.get("prompt") ?? "").split(" ").filter(Boolean);
  if (prompts.includes("none")) {
    if (prompts.length > 1 && scopes.includes("openid"))
      return redirectWithError(
        ctx,
        redirectUri,
        query,
        "invalid_request",
        "Invalid 'prompt' parameter.",
      );
    return redirectWithError(ctx, redirectUri, query, "login_required");
  }
  // Authlib's OpenID prompt check turns an anonymous caller into prompt=login: the endpoint answers 401.
  if (scopes.includes("openid")) {
    sendJson(ctx, 401, { detail: "Unauthorized" });
    return;
  }
  sendJson(ctx, 200, anonymousAuthorizeResponse(client, scopes, subType));
}
