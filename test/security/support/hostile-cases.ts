import type { LoginFailure, PolarConfigInput } from "@polar-oauth/core";
import { type Claims, HANG, type Misbehaviour } from "./hostile-polar.js";

/** One way Polar can misbehave during a sign-in, and how the kit must answer. */
export interface HostileCase {
  name: string;
  misbehaviour: Misbehaviour;
  /** The failure code the kit must report. */
  failure: LoginFailure;
  /** HTTP status of the error page. Default 400. */
  status?: number;
  /** What the user is told, when it is not the failure's {@link SHOWN} reason. */
  shown?: string;
  /**
   * The technical detail the kit logs after the code, exactly (absent: the log line has
   * none). Codes, claim and parameter names, endpoints: never a value.
   */
  detail?: string;
  /**
   * `sign-in`: one sign-in that must fail. `replay`: the first callback succeeds and the same
   * callback, replayed with the pre-callback cookies, must fail.
   */
  scenario?: "sign-in" | "replay";
  config?: Partial<PolarConfigInput>;
}

const without =
  (...names: string[]) =>
  (claims: Claims): Claims => {
    const copy = { ...claims };
    for (const name of names) delete copy[name];
    return copy;
  };
const withClaims =
  (extra: Claims) =>
  (claims: Claims): Claims => ({ ...claims, ...extra });
const now = () => Math.floor(Date.now() / 1000);

/** What the user is told for each failure: the error page's reason, the redirect's `error_description`. */
export const SHOWN: Record<LoginFailure, string> = {
  access_denied: "You declined to sign in with Polar.",
  authorization_error: "Polar could not authorize this sign-in.",
  missing_state: "The sign-in response was incomplete.",
  transaction_missing:
    "This sign-in expired or was started in another browser. Please start again.",
  transaction_invalid: "This sign-in could not be verified. Please start again.",
  state_mismatch: "This sign-in response does not belong to your sign-in attempt.",
  issuer_mismatch:
    "This sign-in response did not come from the Polar server the sign-in started at.",
  replayed_callback: "This sign-in response was already used.",
  token_exchange_failed: "Polar did not complete the sign-in.",
  id_token_invalid: "Polar's identity token failed verification.",
  organization_unresolved: "Polar did not say which organization you chose. Please start again.",
  polar_unreachable: "Polar could not be reached. Please try again in a moment.",
  polar_rate_limited: "Polar is rate limiting sign-ins.",
  store_unavailable: "Signing in is unavailable for a moment. Please try again shortly.",
  login_rejected: "This account is not allowed to sign in here.",
};

/** Timeout of the apps in the hostile table: small, so the timeout case is fast. */
export const HOSTILE_TIMEOUT_MS = 400;

/** Every misbehaviour of the issue, one per case. */
export const HOSTILE_CASES: HostileCase[] = [
  // id_token claims (OIDC Core 3.1.3.7)
  {
    name: "id_token with a wrong iss",
    misbehaviour: { idTokenClaims: withClaims({ iss: "https://evil.example" }) },
    failure: "id_token_invalid",
    detail: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED: unexpected JWT "iss" (issuer) claim value',
  },
  {
    name: "id_token for another audience",
    misbehaviour: { idTokenClaims: withClaims({ aud: "polar_ci_someone_else" }) },
    failure: "id_token_invalid",
    detail: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED: unexpected JWT "aud" (audience) claim value',
  },
  {
    name: "id_token with an extra audience and no azp",
    misbehaviour: {
      idTokenClaims: (c) => ({ ...c, aud: [c.aud as string, "polar_ci_someone_else"] }),
    },
    failure: "id_token_invalid",
    detail:
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED: ID Token "aud" (audience) claim includes additional untrusted audiences',
  },
  {
    name: "id_token with a wrong nonce",
    misbehaviour: { idTokenClaims: withClaims({ nonce: "not-the-nonce-the-app-sent" }) },
    failure: "id_token_invalid",
    detail: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED: unexpected ID Token "nonce" claim value',
  },
  {
    name: "id_token without a nonce",
    misbehaviour: { idTokenClaims: without("nonce") },
    failure: "id_token_invalid",
    detail: 'OAUTH_INVALID_RESPONSE: JWT "nonce" (nonce) claim missing',
  },
  {
    name: "id_token that expired an hour ago",
    misbehaviour: { idTokenClaims: withClaims({ iat: now() - 7200, exp: now() - 3600 }) },
    failure: "id_token_invalid",
    detail:
      'OAUTH_JWT_TIMESTAMP_CHECK_FAILED: unexpected JWT "exp" (expiration time) claim value, expiration is past current timestamp',
  },
  {
    name: "id_token not valid yet (nbf in an hour)",
    misbehaviour: { idTokenClaims: withClaims({ nbf: now() + 3600 }) },
    failure: "id_token_invalid",
    detail: 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED: unexpected JWT "nbf" (not before) claim value',
  },
  {
    name: "id_token without sub",
    misbehaviour: { idTokenClaims: without("sub") },
    failure: "id_token_invalid",
    detail: 'OAUTH_INVALID_RESPONSE: JWT "sub" (subject) claim missing',
  },
  // id_token signatures (core flow/id-token-signature.ts)
  {
    name: "id_token with alg none",
    misbehaviour: { idTokenSigning: "none" },
    failure: "id_token_invalid",
    detail: 'OAUTH_INVALID_RESPONSE: unexpected JWT "alg" header parameter',
  },
  {
    name: "id_token with a bad signature",
    misbehaviour: { idTokenSigning: "bad-signature" },
    failure: "id_token_invalid",
    detail: "id_token: the signature verifies with none of the JWKS's 1 RS256 key(s)",
  },
  {
    name: "id_token signed with an unknown kid",
    misbehaviour: { idTokenSigning: "unknown-kid" },
    failure: "id_token_invalid",
    detail: "id_token: no RS256 key in the JWKS has its kid",
  },
  {
    name: "id_token signed by another key under Polar's kid",
    misbehaviour: { idTokenSigning: "attacker-key-same-kid" },
    failure: "id_token_invalid",
    detail: "id_token: the signature verifies with none of the JWKS's 1 RS256 key(s)",
  },
  {
    name: "id_token without kid (as Polar's), JWKS of two keys, signed by neither",
    misbehaviour: { idTokenSigning: "no-kid-unknown-key" },
    failure: "id_token_invalid",
    detail: "id_token: the signature verifies with none of the JWKS's 2 RS256 key(s)",
  },
  {
    name: "id_token HS256-signed with Polar's public key (alg confusion)",
    misbehaviour: { idTokenSigning: "hs256-with-public-key" },
    failure: "id_token_invalid",
    detail: 'OAUTH_INVALID_RESPONSE: unexpected JWT "alg" header parameter',
  },
  {
    name: "id_token signed PS256, which the discovery lists too (the kit pins Polar's RS256)",
    misbehaviour: {
      idTokenSigning: "ps256",
      discovery: { id_token_signing_alg_values_supported: ["RS256", "PS256"] },
    },
    failure: "id_token_invalid",
    detail: 'OAUTH_INVALID_RESPONSE: unexpected JWT "alg" header parameter',
  },
  {
    name: "JWKS endpoint answering 500",
    misbehaviour: { jwks: { status: 500, body: "oops" } },
    failure: "token_exchange_failed",
    detail: "JWKS: HTTP 500 from /.well-known/jwks.json",
  },
  // authorization response (RFC 9700 4.4, 4.7; RFC 9207)
  {
    name: "authorization response with a swapped state",
    misbehaviour: {
      authorizationResponse: (p) => p.set("state", "an-attackers-state-value-0123456789"),
    },
    failure: "transaction_missing",
  },
  {
    name: "authorization response without state",
    misbehaviour: { authorizationResponse: (p) => p.delete("state") },
    failure: "missing_state",
  },
  {
    name: "authorization response with a wrong iss parameter (mix-up)",
    misbehaviour: { authorizationResponse: (p) => p.set("iss", "https://evil.example") },
    failure: "issuer_mismatch",
    detail: 'authorization response: unexpected "iss" (issuer) response parameter value',
  },
  {
    name: "authorization response with iss twice, even the right one",
    misbehaviour: {
      authorizationResponse: (p, { issuer }) => {
        p.append("iss", issuer);
        p.append("iss", issuer);
      },
    },
    failure: "issuer_mismatch",
    detail: 'authorization response: "iss" parameter must be provided only once',
  },
  {
    name: "authorization response with an empty iss (oauth4webapi would read it as absent)",
    misbehaviour: { authorizationResponse: (p) => p.set("iss", "") },
    failure: "issuer_mismatch",
    detail: "authorization response: empty iss",
  },
  {
    name: "authorization response without iss although the server advertises it",
    misbehaviour: { discovery: { authorization_response_iss_parameter_supported: true } },
    failure: "issuer_mismatch",
    detail: 'authorization response: response parameter "iss" (issuer) missing',
  },
  {
    name: "authorization response error=access_denied",
    misbehaviour: {
      authorizationResponse: (p) => {
        p.delete("code");
        p.set("error", "access_denied");
        p.set("error_description", "<script>alert(document.cookie)</script>");
      },
    },
    failure: "access_denied",
    detail: "authorization response error=access_denied",
  },
  {
    name: "authorization response with an error and an HTML error code",
    misbehaviour: {
      authorizationResponse: (p) => {
        p.delete("code");
        p.set("error", "<img src=x onerror=alert(1)>");
      },
    },
    failure: "authorization_error",
    detail: "authorization response error=unknown",
  },
  ...[
    ["after", "server_error<img src=x onerror=alert(1)>"],
    ["before", "<img src=x onerror=alert(1)>server_error"],
  ].map(
    ([where, error]): HostileCase => ({
      name: `authorization response with markup ${where} a valid error code`,
      misbehaviour: {
        authorizationResponse: (p) => {
          p.delete("code");
          p.set("error", error as string);
        },
      },
      failure: "authorization_error",
      detail: "authorization response error=unknown",
    }),
  ),
  // token endpoint (RFC 6749 5.1, 5.2)
  {
    name: "token endpoint answering 500",
    misbehaviour: {
      token: {
        status: 500,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ error: "server_error" }),
      },
    },
    failure: "token_exchange_failed",
    detail: "OAUTH_RESPONSE_IS_NOT_CONFORM (500 from /v1/oauth2/token)",
  },
  {
    name: "token endpoint answering a 502 HTML page",
    misbehaviour: { token: { status: 502, body: "<html>Bad gateway</html>" } },
    failure: "token_exchange_failed",
    detail: "OAUTH_RESPONSE_IS_NOT_CONFORM (502 from /v1/oauth2/token)",
  },
  {
    name: "token endpoint that never answers (timeout)",
    misbehaviour: { token: HANG },
    failure: "polar_unreachable",
    detail: "timeout",
  },
  {
    name: "token endpoint refusing connections",
    misbehaviour: { discovery: { token_endpoint: "http://127.0.0.1:1/v1/oauth2/token" } },
    failure: "polar_unreachable",
    detail: "connection failed",
  },
  {
    name: "token endpoint answering 429 with Retry-After",
    misbehaviour: {
      token: {
        status: 429,
        headers: { "content-type": "application/json", "retry-after": "42" },
        body: JSON.stringify({ error: "rate_limited" }),
      },
    },
    failure: "polar_rate_limited",
    shown: "Polar is rate limiting sign-ins. Retry after 42 s.",
    status: 429,
  },
  {
    name: "token endpoint answering 429 without a JSON body",
    misbehaviour: { token: { status: 429, headers: { "retry-after": "7" }, body: "slow down" } },
    failure: "polar_rate_limited",
    shown: "Polar is rate limiting sign-ins. Retry after 7 s.",
    status: 429,
  },
  {
    name: "token endpoint answering 200 with a non-JSON body",
    misbehaviour: {
      token: { status: 200, headers: { "content-type": "text/html" }, body: "<html>ok</html>" },
    },
    failure: "token_exchange_failed",
    detail: "OAUTH_RESPONSE_IS_NOT_JSON (200 from /v1/oauth2/token)",
  },
  {
    name: "token response without access_token",
    misbehaviour: { tokenBody: without("access_token") },
    failure: "token_exchange_failed",
    detail: 'OAUTH_INVALID_RESPONSE: "response" body "access_token" property must be a string',
  },
  {
    name: "token response without token_type",
    misbehaviour: { tokenBody: without("token_type") },
    failure: "token_exchange_failed",
    detail: 'OAUTH_INVALID_RESPONSE: "response" body "token_type" property must be a string',
  },
  {
    name: "token response with an unsupported token_type",
    misbehaviour: { tokenBody: (b) => ({ ...b, token_type: "mac" }) },
    failure: "token_exchange_failed",
    detail: "OAUTH_UNSUPPORTED_OPERATION: unsupported `token_type` value",
  },
  {
    name: "token response without id_token although openid was requested",
    misbehaviour: { tokenBody: without("id_token") },
    failure: "id_token_invalid",
    detail: 'OAUTH_INVALID_RESPONSE: "response" body "id_token" property must be a string',
  },
  {
    name: "token endpoint refusing the code (invalid_grant)",
    misbehaviour: {
      authorizationResponse: (p) => p.set("code", "polar_ac_not_issued_by_this_server"),
    },
    failure: "token_exchange_failed",
    detail: "/v1/oauth2/token 400 error=invalid_grant",
  },
  // code replay
  {
    name: "a code the server accepts twice (replayed callback)",
    misbehaviour: { reuseCodes: true },
    failure: "replayed_callback",
    scenario: "replay",
  },
  // userinfo (OIDC Core 5.3.2)
  {
    name: "userinfo sub different from the id_token's",
    misbehaviour: {
      idTokenClaims: without("email", "email_verified"),
      userinfo: (c) => ({ ...c, sub: "f0e00000-0000-4000-8000-0000000000ee" }),
    },
    failure: "id_token_invalid",
    detail:
      'userinfo: OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED: unexpected "response" body "sub" property value',
  },
  {
    name: "userinfo answering 500",
    misbehaviour: {
      idTokenClaims: without("email", "email_verified"),
      userinfo: { status: 500, body: "oops" },
    },
    failure: "token_exchange_failed",
    detail: "userinfo: OAUTH_RESPONSE_IS_NOT_CONFORM (500 from /v1/oauth2/userinfo)",
  },
];
