import { createHash } from "node:crypto";
import * as oidc from "openid-client";
import type { AuthRequest, AuthResponse } from "../http/types.js";
import { normaliseAppData } from "../session/app-data.js";
import type { PolarUser, SessionData } from "../session/data.js";
import { type FlowContext, redirect } from "./context.js";
import { verifyIdTokenSignature } from "./id-token-signature.js";
import { PolarLoginError, toLoginError } from "./login-error.js";
import type { PolarLogin } from "./options.js";
import { resolveOrganization } from "./organization.js";
import { TRANSACTION_TTL_SECONDS } from "./transaction.js";

/** Largest session cookie the kit will set (browsers drop cookies over 4096 bytes). */
export const MAX_SESSION_COOKIE_BYTES = 4000;

/**
 * `GET <redirect URI path>`: finishes a sign-in. Finds this attempt's transaction cookie by
 * `state`, refuses replays, lets openid-client check the authorization response and exchange
 * the code (PKCE verifier, state, nonce; id_token iss, aud, exp), verifies the id_token's
 * signature against every RS256 key of the JWKS (`id-token-signature.ts`), learns the chosen
 * organization of an organization sign-in (once, here), then issues a brand-new session
 * cookie (no fixation) and clears the transaction. The `redirect_uri` sent
 * is always the configured one, never one built from the request's Host.
 *
 * Throws {@link PolarLoginError} (or what the exchange threw) for the caller to turn into a
 * 4xx page or redirect; `clearCookies` receives the cookies to clear in every outcome.
 */
export async function completeLogin(
  flow: FlowContext,
  request: AuthRequest,
  query: URLSearchParams,
  clearCookies: (cookies: string[]) => void,
): Promise<AuthResponse> {
  const state = query.get("state");
  if (!state) {
    throw new PolarLoginError(
      query.get("error") === "access_denied" ? "access_denied" : "missing_state",
    );
  }
  const cookieHeader = request.headers.cookie;
  const hadCookie = flow.transactions.has(cookieHeader, state);
  clearCookies([
    ...(hadCookie ? [flow.transactions.clear(state)] : []),
    ...flow.transactions.clearAbandoned(cookieHeader, state),
  ]);
  const transaction = await flow.transactions.read(cookieHeader, state);
  if (!transaction) {
    if (query.get("error") === "access_denied") throw new PolarLoginError("access_denied");
    throw new PolarLoginError(hadCookie ? "transaction_invalid" : "transaction_missing");
  }
  if (transaction.state !== state) throw new PolarLoginError("state_mismatch");
  const claim = createHash("sha256").update(state).digest("base64url");
  if (!(await flow.replay.claim(claim, TRANSACTION_TTL_SECONDS))) {
    throw new PolarLoginError("replayed_callback");
  }

  const configuration = await flow.client();
  if (query.getAll("iss").includes("")) {
    // RFC 9207 2.4: a present iss that doesn't match is refused; oauth4webapi reads an empty
    // one as absent (the fuzz suite's counterexample `iss=`), so this one case stays here.
    throw new PolarLoginError("issuer_mismatch", { detail: "authorization response: empty iss" });
  }
  const currentUrl = new URL(flow.config.redirectUri);
  currentUrl.search = query.toString();
  const tokens = await oidc
    .authorizationCodeGrant(
      configuration,
      currentUrl,
      {
        pkceCodeVerifier: transaction.codeVerifier,
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        idTokenExpected: flow.config.scopes.includes("openid"),
      },
      { redirect_uri: flow.config.redirectUri },
    )
    .catch((error: unknown) => {
      throw issuerMismatch(error) ?? error;
    });

  if (tokens.id_token) {
    await verifyIdTokenSignature(configuration, tokens.id_token, {
      fetch: flow.options.fetch,
      timeoutMs: flow.config.timeoutMs,
      now: flow.now,
    });
  }
  const claims = tokens.claims();
  const user = await identify(flow, configuration, tokens.access_token, claims);
  const now = Math.floor(flow.now() / 1000);
  const scope = tokens.scope ?? flow.config.scopes.join(" ");
  const scopes = scope.split(" ").filter(Boolean);
  const organization =
    flow.config.subType === "organization"
      ? await resolveOrganization(
          flow.config,
          configuration,
          tokens.access_token,
          scopes,
          flow.options.fetch,
        )
      : undefined;
  const expiresAt = now + (tokens.expiresIn() ?? 3600);
  const login: PolarLogin = {
    user,
    subType: flow.config.subType,
    organization,
    scopes,
    tokens: { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, expiresAt },
    idTokenClaims: claims ? { ...claims } : undefined,
  };
  const app = normaliseAppData(await flow.options.onLogin?.(login));

  const data: SessionData = {
    ...flow.sessions.start(),
    user,
    subType: flow.config.subType,
    org: organization,
    scope,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresAt,
    app,
  };
  const sessionCookie = await flow.sessions.issue(data);
  if (Buffer.byteLength(sessionCookie) > MAX_SESSION_COOKIE_BYTES) {
    flow.logger.error(
      `the session cookie would be ${Buffer.byteLength(sessionCookie)} bytes (browsers drop cookies over 4096); return less data from onLogin.`,
    );
    throw new PolarLoginError("login_rejected", {
      reason: "The sign-in could not be saved. Please contact the site owner.",
      detail: "session cookie too large",
    });
  }
  return redirect(transaction.returnTo, [sessionCookie]);
}

/**
 * The user from the verified id_token; userinfo is called only when the id_token is absent
 * (no `openid` scope) or lacks the email that was requested.
 */
async function identify(
  flow: FlowContext,
  configuration: oidc.Configuration,
  accessToken: string,
  claims: oidc.IDToken | undefined,
): Promise<PolarUser> {
  const wantsEmail = flow.config.scopes.includes("email");
  if (claims && (!wantsEmail || typeof claims.email === "string")) return userFrom(claims);
  let info: oidc.UserInfoResponse;
  try {
    info = await oidc.fetchUserInfo(
      configuration,
      accessToken,
      claims?.sub ?? oidc.skipSubjectCheck,
    );
  } catch (error) {
    throw toLoginError(error, "userinfo");
  }
  return userFrom(info);
}

/**
 * Mix-up defence (RFC 9207, RFC 9700 4.4): oauth4webapi (under openid-client) refuses an
 * authorization response whose `iss` names another server, repeats `iss`, or lacks it although
 * discovery advertises `authorization_response_iss_parameter_supported`, before the code is
 * sent anywhere (test/security hostile cases pin all three; an empty `iss` is refused before
 * the call). This maps its error to the kit's `issuer_mismatch` code. Polar sends no `iss`
 * today, so the check costs nothing against it.
 */
function issuerMismatch(error: unknown): PolarLoginError | undefined {
  if (!(error instanceof oidc.ClientError) || error.code !== "OAUTH_INVALID_RESPONSE") return;
  // openid-client says "invalid response encountered"; oauth4webapi's own error is the cause.
  const reason = error.cause instanceof Error ? error.cause.message : "";
  if (!/"iss" \(issuer\)|"iss" parameter/.test(reason)) return;
  return new PolarLoginError("issuer_mismatch", { detail: `authorization response: ${reason}` });
}

function userFrom(claims: { sub: string; email?: unknown; email_verified?: unknown }): PolarUser {
  const user: PolarUser = { sub: claims.sub };
  if (typeof claims.email === "string") user.email = claims.email;
  if (typeof claims.email_verified === "boolean") user.emailVerified = claims.email_verified;
  return user;
}
