import type { PolarConfig } from "./config/schema.js";
import { envVarName } from "./environment.js";
import {
  PolarApiError,
  PolarError,
  PolarRateLimitError,
  PolarUnreachableError,
  RedirectUriMismatchError,
  RegistrationMismatchError,
} from "./errors.js";
import { describeNetworkFailure, isRecord, parseRetryAfter, serverText } from "./http.js";
import { authorizationApiEndpoint } from "./server/polar-servers.js";
import type { RegistrationCheck } from "./startup-check.js";
import { registerNewClientCommand } from "./startup-fix.js";

const ENDPOINT = "authorize API (startup check)";

/** An OAuth error answer: `{error, error_description}`, both made safe to print. */
function oauthError(body: unknown): { error: string; description: string } {
  const error =
    isRecord(body) && typeof body.error === "string" && /^[a-z_]{1,64}$/.test(body.error)
      ? body.error
      : "error";
  const description =
    isRecord(body) && typeof body.error_description === "string"
      ? serverText(body.error_description)
      : "";
  return { error, description };
}

/**
 * A redirect's target: back to our own redirect URI (Authlib redirects there only after it
 * checked the client and the redirect URI) with its `error`, `error_description` and whether it
 * carries a `code`; or `elsewhere` (another URL, no or a broken Location), which proves nothing.
 */
function readRedirect(
  location: string | null,
  redirectUri: string,
):
  | { back: true; error: string | undefined; description: string; code: boolean }
  | { back: false; where: string } {
  let target: URL;
  try {
    target = new URL(location ?? "", redirectUri);
  } catch {
    return { back: false, where: "an unreadable Location" };
  }
  const ours = new URL(redirectUri);
  if (!location || target.origin !== ours.origin || target.pathname !== ours.pathname) {
    return { back: false, where: location ? serverText(target.origin) : "no Location" };
  }
  const error = target.searchParams.get("error");
  return {
    back: true,
    error: error === null ? undefined : /^[a-z_]{1,64}$/.test(error) ? error : "error",
    description: serverText(target.searchParams.get("error_description") ?? ""),
    code: target.searchParams.has("code"),
  };
}

/**
 * OIDC's "a user must act" errors (`prompt=none` answers): Authlib raises them only after the
 * client and the redirect URI were checked, so they prove both known.
 */
const USER_INTERACTION = new Set([
  "login_required",
  "consent_required",
  "interaction_required",
  "account_selection_required",
]);

/**
 * What an OAuth error means for the sign-ins, in words (Authlib 1.7.2,
 * `oauth2/rfc6749/errors.py` and `grants/authorization_code.py`).
 */
const MEANINGS: Record<string, string> = {
  unauthorized_client:
    'the client may not use the authorization code flow (its registration lacks response type "code" or the authorization_code grant)',
  access_denied: "Polar denied the authorization before any user was asked",
  invalid_request:
    "Polar found a parameter of the authorization request invalid (PKCE, nonce, sub_type or prompt)",
  unsupported_response_type: "this server does not offer response_type=code",
  server_error: "Polar failed while checking the authorization request",
  temporarily_unavailable: "Polar is temporarily unable to authorize",
};

/** Authlib's words for an unregistered redirect URI (`grants/base.py` `validate_authorization_redirect_uri`). */
function saysRedirectUriUnsupported(description: unknown): boolean {
  return (
    typeof description === "string" &&
    /^Redirect URI \S.* is not supported by client\.?$/.test(description.trim())
  );
}

/**
 * The startup check without a registration token: one anonymous `GET {api}/v1/oauth2/authorize`,
 * the JSON API Polar's browser page calls (`server/polar/oauth2/endpoints/oauth2.py`). Authlib
 * checks the client and the redirect URI first and answers 400 `{error, error_description}`
 * when either is wrong; past them an anonymous caller gets 401 (login required), 200 (consent
 * data, without `openid`) or a redirect to the redirect URI carrying an OAuth error
 * (`invalid_scope` for a scope the server does not know). The browser page
 * (`polar.sh/oauth2/authorize`) is never asked: it renders every error with a 2xx status.
 *
 * Only what proves the client and the redirect URI known passes: 401, a 2xx with consent data
 * naming this client, a redirect back to the redirect URI with a code or a "user must act"
 * error (`login_required`, …). Any other error fails with its meaning (`unauthorized_client`
 * is a registration to fix); a 400 `invalid_request` is a redirect-URI mismatch only in
 * Authlib's words for it ("Redirect URI … is not supported by client."); anything else
 * (a redirect elsewhere, an HTML page) is inconclusive.
 */
export async function probeAuthorization(
  config: PolarConfig,
  options: { fetch?: typeof fetch | undefined },
): Promise<RegistrationCheck> {
  const url = new URL(authorizationApiEndpoint(config.server));
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: config.scopes.join(" "),
    state: "polar-oauth-startup-check",
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    code_challenge_method: "S256",
    sub_type: config.subType,
  }).toString();
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  let body: unknown;
  try {
    response = await doFetch(url, {
      redirect: "manual",
      signal: AbortSignal.timeout(config.timeoutMs),
      headers: { accept: "application/json" },
    });
    if (response.status === 400 || (response.status >= 200 && response.status < 300)) {
      const text = await response.text();
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    } else {
      await response.body?.cancel();
    }
  } catch (error) {
    throw new PolarUnreachableError(url.origin, describeNetworkFailure(error, config.timeoutMs));
  }
  const status = response.status;
  if (status === 429) {
    throw new PolarRateLimitError(ENDPOINT, parseRetryAfter(response.headers.get("retry-after")));
  }
  const tokenVar = envVarName("POLAR_REGISTRATION_TOKEN", config.environment);
  const idVar = envVarName("POLAR_CLIENT_ID", config.environment);
  if (status === 400) {
    const { error, description } = oauthError(body);
    const said = `(HTTP 400 ${error}${description ? `: ${description}` : ""})`;
    if (error === "invalid_client") {
      throw new RegistrationMismatchError(
        `Polar does not know client ${config.clientId} ${said}: the id is wrong, the client was deleted, or it belongs to the other environment (sandbox and production are separate). Fix: set ${idVar} to a client of ${config.server.url}, or register one with \`${registerNewClientCommand(config)}\` (name it as Polar's consent screen should show it).`,
        { clientUnknown: true },
      );
    }
    if (
      error === "invalid_request" &&
      isRecord(body) &&
      saysRedirectUriUnsupported(body.error_description)
    ) {
      throw new RedirectUriMismatchError(
        `Polar refused an authorization request for client ${config.clientId} with redirect URI ${config.redirectUri} ${said}: this redirect URI is not registered exactly (Polar compares the whole string: scheme, host, port, path, trailing slash, query). Fix: set ${envVarName("POLAR_REDIRECT_URI", config.environment)} to a URI the client has registered, or set ${tokenVar} (the client's registration token) so this check reads the client back, names the registered URIs and prints the polar-oauth command that registers yours; without the token, only Polar's dashboard can change the client.`,
        { redirectUri: config.redirectUri, registeredRedirectUris: [] },
      );
    }
    throw refused(config, error, said);
  }
  if (status >= 300 && status < 400) {
    const redirect = readRedirect(response.headers.get("location"), config.redirectUri);
    if (!redirect.back) {
      throw new PolarError(
        "STARTUP_CHECK_INCONCLUSIVE",
        `${url.origin}${url.pathname} answered the startup check with a redirect to ${redirect.where}, not to the redirect URI; cannot tell whether client ${config.clientId} and redirect URI ${config.redirectUri} are registered. Fix: set ${tokenVar} so the check reads the client back instead, or set startupCheck to warn.`,
      );
    }
    const { error, description } = redirect;
    // Back to our redirect URI without an error: Polar issued a code, so both are known.
    if (error === undefined && redirect.code)
      return { method: "probe", redirectUri: config.redirectUri };
    if (error !== undefined && USER_INTERACTION.has(error)) {
      return { method: "probe", redirectUri: config.redirectUri };
    }
    if (error === "invalid_scope") {
      throw new RegistrationMismatchError(
        `Polar refused the scopes ${config.scopes.join(" ")} for client ${config.clientId} (invalid_scope): the server does not support one of them. Fix: remove it from ${envVarName("POLAR_SCOPES", config.environment)}.`,
      );
    }
    if (error === undefined) {
      throw new PolarError(
        "STARTUP_CHECK_INCONCLUSIVE",
        `${url.origin}${url.pathname} redirected the startup check back to the redirect URI with neither a code nor an error; cannot tell whether client ${config.clientId} is registered. Fix: set ${tokenVar} so the check reads the client back instead, or set startupCheck to warn.`,
      );
    }
    throw refused(
      config,
      error,
      `(redirect with error=${error}${description ? `: ${description}` : ""})`,
    );
  }
  if (status === 401) return { method: "probe", redirectUri: config.redirectUri };
  if (status >= 200 && status < 300) {
    // Polar's consent data names the client (`AuthorizeResponse.client`, oauth2/schemas.py):
    // only that proves the client (and, checked before it, the redirect URI) known.
    if (isRecord(body) && isRecord(body.client) && body.client.client_id === config.clientId) {
      return { method: "probe", redirectUri: config.redirectUri };
    }
    throw new PolarError(
      "STARTUP_CHECK_INCONCLUSIVE",
      `${url.origin}${url.pathname} answered ${status} to the startup check without Polar's consent data for client ${config.clientId}; cannot tell whether the redirect URI is registered. Fix: set ${tokenVar} so the check reads the client back instead, or set startupCheck to warn.`,
    );
  }
  if (status >= 500) {
    throw new PolarApiError(
      ENDPOINT,
      status,
      `Polar's authorize API answered ${status} to the startup check.`,
    );
  }
  throw new PolarError(
    "STARTUP_CHECK_INCONCLUSIVE",
    `${url.origin}${url.pathname} answered ${status} to the startup check; cannot tell whether the redirect URI is registered${status === 404 ? " (this server has no JSON authorize API)" : ""}. Fix: set ${tokenVar} so the check reads the client back instead, or set startupCheck to warn.`,
  );
}

/**
 * The startup check's authorization request was refused with an OAuth `error`: what that means
 * for sign-ins, from {@link MEANINGS}. `unauthorized_client` is a registration to fix.
 */
function refused(config: PolarConfig, error: string, said: string): PolarError {
  const meaning = MEANINGS[error];
  if (error === "unauthorized_client") {
    return new RegistrationMismatchError(
      `Polar refused the startup check's authorization request for client ${config.clientId} ${said}: ${meaning}. Fix: update the client with \`polar-oauth bootstrap --env ${config.environment} --apply\` (grant_types authorization_code and refresh_token, response_types code), or register a new one.`,
    );
  }
  return new PolarError(
    "STARTUP_CHECK_REFUSED",
    `Polar refused the startup check's authorization request for client ${config.clientId} ${said}${meaning ? `: ${meaning}` : ""}; sign-ins would fail the same way.`,
  );
}
