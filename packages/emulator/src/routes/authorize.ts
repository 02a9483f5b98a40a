import { createHash } from "node:crypto";
import type { KoaContext, KoaNext } from "oidc-provider";
import { webSessionUser } from "../api-caller.js";
import { checkClientAndRedirect } from "../authorize-checks.js";
import type { EmulatorEnv } from "../emulator-env.js";
import { renderErrorPage } from "../pages/error.js";
import { consentCovers, PAGE_CSP, ROUTES } from "../provider.js";
import { REDIRECT_URI_OMITTED, recordCodeRedirectUri } from "../redirect-uri-binding.js";
import { isSupportedScope, splitScope } from "../scopes.js";
import { sendRateLimitedPage } from "./rate-limited.js";

/**
 * Applies Polar's request defaults before oidc-provider sees the request: response_mode and
 * max_age are ignored, an omitted redirect_uri
 * means the first registered one, an omitted scope means the client's registered scope, and
 * supported scopes the client did not register are dropped (unknown ones stay, to be rejected).
 */
function applyPolarDefaults(
  query: URLSearchParams,
  registered: { redirect_uris: string[]; scope: string },
): void {
  // Polar only answers in the query (response_modes_supported: ["query"]); other modes are ignored.
  query.delete("response_mode");
  // Nothing in Polar or Authlib 1.7.2 reads max_age: a remembered session is never too old.
  query.delete("max_age");
  // Authlib redirects to the first registered URI, but the code is bound to none
  // (redirect-uri-binding.ts): the token request may then send any or none.
  query.delete(REDIRECT_URI_OMITTED);
  const firstRedirect = registered.redirect_uris[0];
  if (!query.has("redirect_uri") && firstRedirect) {
    query.set("redirect_uri", firstRedirect);
    query.set(REDIRECT_URI_OMITTED, "1");
  }
  const allowed = new Set(splitScope(registered.scope));
  const requested = query.get("scope");
  if (requested === null) {
    query.set("scope", registered.scope);
  } else {
    const kept = splitScope(requested).filter(
      (scope) => allowed.has(scope) || !isSupportedScope(scope),
    );
    query.set("scope", kept.join(" "));
  }
}

/**
 * `prompt=none` as Polar answers it. Signed out → `login_required`, no remembered consent for
 * the scope → `consent_required` (both redirects, left to oidc-provider). Signed in *with*
 * consent → the consent page: Authlib 1.7.2's `validate_request_prompt` /
 * `_guess_prompt_value` (`authlib/oidc/core/grants/util.py`) leave `grant.prompt` unset for
 * `none`, and Polar's `_validate_scope_consent` sets it to "none" only when no prompt was sent,
 * so its authorize endpoint answers the consent data. oidc-provider would issue a code
 * silently; asking it for `prompt=consent` shows the page instead (the picker too, for an
 * organization sign-in). Silent sign-in never works at Polar.
 */
async function promptNoneAsPolar(
  ctx: KoaContext,
  env: EmulatorEnv,
  query: URLSearchParams,
  clientId: string,
): Promise<void> {
  if (query.get("prompt") !== "none") return;
  const user = await webSessionUser(ctx, env);
  if (user && consentCovers(env.store, user.id, clientId, query.get("scope"))) {
    query.set("prompt", "consent");
  }
}

const VERIFIER_FORMAT = /^[A-Za-z0-9._~-]{43,128}$/;

/**
 * Polar accepts `plain` PKCE (the default when no method is sent). A plain challenge equals the
 * verifier, so it is turned into the equivalent S256 challenge: the token endpoint then accepts
 * exactly the same verifier, without enabling oidc-provider's deprecated plain method.
 */
function plainChallengeToS256(query: URLSearchParams): void {
  const challenge = query.get("code_challenge");
  const method = query.get("code_challenge_method");
  if (
    challenge === null ||
    (method !== null && method !== "plain") ||
    !VERIFIER_FORMAT.test(challenge)
  )
    return;
  query.set("code_challenge", createHash("sha256").update(challenge).digest("base64url"));
  query.set("code_challenge_method", "S256");
}

/** Removes the RFC 9207 `iss` parameter oidc-provider adds: Polar's authorization responses have none. */
export function stripIssuerFromRedirect(ctx: KoaContext, env: EmulatorEnv): void {
  const location = ctx.response.get("Location");
  if (!location || ctx.status < 300 || ctx.status >= 400) return;
  let url: URL;
  try {
    url = new URL(location, ctx.href);
  } catch {
    return;
  }
  const internal = url.origin === new URL(ctx.href).origin && url.pathname.startsWith("/oauth2/");
  if (internal || !url.searchParams.getAll("iss").includes(env.issuer)) return;
  const kept = [...url.searchParams].filter(
    ([key, value]) => !(key === "iss" && value === env.issuer),
  );
  url.search = new URLSearchParams(kept).toString();
  ctx.set("Location", url.href);
}

function sendAuthorizePage(
  ctx: KoaContext,
  status: number,
  error: string,
  description: string,
  apiStatus = status,
): void {
  ctx.status = status;
  ctx.set("Content-Security-Policy", PAGE_CSP);
  ctx.type = "html";
  ctx.body = renderErrorPage({ status: apiStatus, error, description });
}

/**
 * GET /oauth2/authorize, the browser page: an unknown client or unregistered redirect URI gets
 * an error page with status 200, as Polar's Next.js page renders the API's 400
 * (`clients/apps/web/src/app/(main)/oauth2/authorize/page.tsx`); then the rate limit per
 * client, Polar's defaults, and oidc-provider for login, consent and the code.
 */
export async function handleAuthorize(
  ctx: KoaContext,
  env: EmulatorEnv,
  next: KoaNext,
): Promise<void> {
  if (ctx.method !== "GET") {
    ctx.set("Allow", "GET");
    sendAuthorizePage(
      ctx,
      405,
      "invalid_request",
      `${ROUTES.authorization} is a page: open it with GET.`,
    );
    return;
  }
  const query = new URLSearchParams(ctx.querystring);
  // Like Polar's page: the API's 400 for the client or redirect URI becomes an error page with 200.
  const target = checkClientAndRedirect(env, query);
  if (!target.ok) return sendAuthorizePage(ctx, 200, target.error, target.description, 400);
  const { client } = target;
  const decision = env.limiter.authorization(client.clientId);
  if (!decision.allowed)
    return sendRateLimitedPage(ctx, env, decision, "authorization requests per client");
  applyPolarDefaults(query, client.metadata);
  await promptNoneAsPolar(ctx, env, query, client.clientId);
  plainChallengeToS256(query);
  ctx.querystring = query.toString();
  await next();
  recordCodeRedirectUri(ctx, env);
  stripIssuerFromRedirect(ctx, env);
}
