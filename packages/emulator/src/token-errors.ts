import { createHash } from "node:crypto";
import type { StateStore } from "./state-store.js";

/** An OAuth error answer at the token endpoint. */
export interface TokenError {
  status: number;
  body: { error: string; error_description?: string };
}

/**
 * oidc-provider's token-endpoint errors rewritten as Authlib 1.7.2 raises them
 * (`authlib/oauth2/rfc6749/grants/authorization_code.py`, `refresh_token.py`,
 * `rfc7636/challenge.py`, `authorization_server.py` `get_token_grant`): same codes and
 * statuses, Authlib's descriptions (none for a bad refresh token). Client authentication and
 * the redirect URI are answered before oidc-provider runs (`client-auth.ts`,
 * `redirect-uri-binding.ts`); anything else passes unchanged.
 */
export function authlibTokenError(params: Record<string, string>, answer: TokenError): TokenError {
  const { error } = answer.body;
  const grantType = params.grant_type;
  if (error === "unsupported_grant_type") {
    return described(400, error, `grant_type=${grantType ?? "None"} is not supported`);
  }
  if (error === "unauthorized_client") {
    return described(400, error, `The client is not authorized to use 'grant_type=${grantType}'`);
  }
  if (grantType === "authorization_code") {
    if (error === "invalid_request" && params.code === undefined) {
      return described(400, error, "Missing 'code' in request.");
    }
    if (error === "invalid_grant") return described(400, error, "Invalid 'code' in request.");
  }
  if (grantType === "refresh_token") {
    if (error === "invalid_request" && params.refresh_token === undefined) {
      return described(400, error, "Missing 'refresh_token' in request.");
    }
    if (error === "invalid_grant") return { status: 400, body: { error } };
  }
  return answer;
}

function described(status: number, error: string, description: string): TokenError {
  return { status, body: { error, error_description: description } };
}

/**
 * Authlib 1.7.2's `CodeChallenge.validate_code_verifier` (`authlib/oauth2/rfc7636/challenge.py`)
 * for a code this client holds: a challenge without `code_verifier` → `invalid_request`
 * "Missing 'code_verifier'", a verifier without challenge or of the wrong form →
 * `invalid_request`, one that does not match → `invalid_grant` "Code challenge failed."
 * (oidc-provider hides which check failed behind "grant request is invalid").
 */
export function codeVerifierError(
  store: StateStore,
  code: string,
  clientId: string,
  verifier: string | undefined,
): TokenError | undefined {
  const payload = store.find("AuthorizationCode", code);
  if (!payload || payload.clientId !== clientId) return undefined;
  const challenge = typeof payload.codeChallenge === "string" ? payload.codeChallenge : undefined;
  if (challenge === undefined) {
    return verifier
      ? described(
          400,
          "invalid_request",
          "The authorization request had no 'code_challenge', but a 'code_verifier' was provided.",
        )
      : undefined;
  }
  if (!verifier) return described(400, "invalid_request", "Missing 'code_verifier'");
  if (!/^[a-zA-Z0-9\-._~]{43,128}$/.test(verifier)) {
    return described(400, "invalid_request", "Invalid 'code_verifier'");
  }
  const computed = createHash("sha256").update(verifier).digest("base64url");
  return computed === challenge
    ? undefined
    : described(400, "invalid_grant", "Code challenge failed.");
}
