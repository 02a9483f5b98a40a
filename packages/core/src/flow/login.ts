import { createHash } from "node:crypto";
import * as oidc from "openid-client";
import { PolarStoreUnavailableError } from "../errors.js";
import type { AuthRequest, AuthResponse } from "../http/types.js";
import { isPolarScope, parseScopes } from "../scopes.js";
import { toPolarSession } from "../session/data.js";
import { type FlowContext, redirect } from "./context.js";
import { safeReturnTo } from "./return-to.js";

/**
 * The `prompt` values passed on to Polar. Not `none`: Polar never signs in silently. Signed out
 * it answers `login_required`, without a remembered consent `consent_required`, and with one it
 * shows its consent page (Authlib 1.7.2 leaves `grant.prompt` unset for `none`; Polar's
 * `_validate_scope_consent` skips consent only when no prompt is sent). Without a prompt, Polar
 * skips its pages for a signed-in user who already consented: as silent as it gets.
 */
const PROMPTS = new Set(["login", "consent"]);

/* What the kit logs (once per `createPolarAuth`) when `/auth/login?prompt=none` is asked for. */
const PROMPT_NONE_WARNING =
  "/auth/login?prompt=none: Polar has no silent sign-in (prompt=none shows its consent page to a user who already consented, and answers login_required or consent_required otherwise), so the kit sends no prompt: a user signed in at Polar who already consented comes straight back; anyone else sees Polar's pages.";

const warnedPromptNone = new WeakSet<FlowContext>();

/**
 * `GET /auth/login?returnTo=/path[&scope=orders:read]`: starts a sign-in. Fresh `state`, `nonce` (with `openid`)
 * and PKCE S256 verifier for every client, the configured `sub_type` sent explicitly (with
 * `prompt=consent` for organization sign-ins, so Polar always shows its organization picker);
 * the checks go into a sealed per-attempt cookie and the browser goes to Polar. A user who is
 * already signed in goes straight to `returnTo` (unless `prompt` asks Polar again, or `scope`
 * asks for Polar scopes the session was not granted: incremental authorization adds them to
 * the configured ones). `prompt=none` is dropped with a warning: Polar has no silent sign-in
 * (see `PROMPTS`).
 */
export async function beginLogin(
  flow: FlowContext,
  request: AuthRequest,
  query: URLSearchParams,
): Promise<AuthResponse> {
  const returnTo =
    safeReturnTo(query.get("returnTo"), flow.appOrigin) ??
    `${flow.appOrigin}${flow.options.afterLoginPath ?? "/"}`;
  let prompt = query.get("prompt");
  if (prompt === "none") {
    if (!warnedPromptNone.has(flow)) flow.logger.warn(PROMPT_NONE_WARNING);
    warnedPromptNone.add(flow);
    prompt = null;
  }
  // Incremental authorization: `scope` asks for Polar scopes on top of the configured ones
  // (the link `requireScopes` offers). Anything Polar does not know is dropped.
  const extra = parseScopes(query.get("scope") ?? "").filter(
    (scope) => isPolarScope(scope) && !flow.config.scopes.includes(scope),
  );
  const cookies: string[] = [];
  if (!prompt) {
    const current = await flow.sessions.read(request.headers.cookie);
    if (current && extra.every((scope) => toPolarSession(current.data).scopes.includes(scope))) {
      if (current.setCookie) cookies.push(current.setCookie);
      return redirect(returnTo, cookies);
    }
  }
  if (flow.store?.available?.() === false) {
    throw new PolarStoreUnavailableError("the store reports itself disconnected");
  }
  const configuration = await flow.client();
  const state = oidc.randomState();
  const nonce = flow.config.scopes.includes("openid") ? oidc.randomNonce() : undefined;
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const parameters: Record<string, string> = {
    response_type: "code",
    redirect_uri: flow.config.redirectUri,
    scope: [...flow.config.scopes, ...extra].join(" "),
    state,
    code_challenge: pkceChallenge(codeVerifier),
    code_challenge_method: "S256",
    sub_type: flow.config.subType,
  };
  if (nonce) parameters.nonce = nonce;
  if (prompt && PROMPTS.has(prompt)) parameters.prompt = prompt;
  // Polar skips consent for a user who already granted the scopes, and then refuses
  // sub_type=organization ("requires selecting an organization"): always show the picker.
  if (flow.config.subType === "organization" && parameters.prompt !== "login") {
    parameters.prompt = "consent";
  }
  cookies.push(
    await flow.transactions.issue({ purpose: "polar-login", state, nonce, codeVerifier, returnTo }),
  );
  return redirect(oidc.buildAuthorizationUrl(configuration, parameters).href, cookies);
}

/**
 * The S256 PKCE challenge, BASE64URL(SHA-256(verifier)) (RFC 7636 §4.2): what
 * `oidc.calculatePKCECodeChallenge` computes, without its WebCrypto round trip to the thread
 * pool (14% of a login's CPU in the issue 8 profile).
 */
function pkceChallenge(codeVerifier: string): string {
  return createHash("sha256").update(codeVerifier, "ascii").digest("base64url");
}
