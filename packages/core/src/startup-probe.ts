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

/** The `error` of a redirect back to our own redirect URI, or undefined for any other redirect. */
function errorOfRedirect(location: string | null, redirectUri: string): string | undefined {
  if (!location) return undefined;
  let target: URL;
  try {
    target = new URL(location, redirectUri);
  } catch {
    return undefined;
  }
  const ours = new URL(redirectUri);
  if (target.origin !== ours.origin || target.pathname !== ours.pathname) return undefined;
  return target.searchParams.get("error") ?? undefined;
}

/**
 * The startup check without a registration token: one anonymous `GET {api}/v1/oauth2/authorize`,
 * the JSON API Polar's browser page calls (`server/polar/oauth2/endpoints/oauth2.py`). Authlib
 * checks the client and the redirect URI first and answers 400 `{error, error_description}`
 * when either is wrong; past them an anonymous caller gets 401 (login required), 200 (consent
 * data, without `openid`) or a redirect to the redirect URI carrying an OAuth error
 * (`invalid_scope` for a scope the server does not know). The browser page
 * (`polar.sh/oauth2/authorize`) is never asked: it renders every error with a 2xx status.
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
    if (response.status === 400) {
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
    if (error === "invalid_request" && /redirect/i.test(description)) {
      throw new RedirectUriMismatchError(
        `Polar refused an authorization request for client ${config.clientId} with redirect URI ${config.redirectUri} ${said}: this redirect URI is not registered exactly (Polar compares the whole string: scheme, host, port, path, trailing slash, query). Fix: set ${envVarName("POLAR_REDIRECT_URI", config.environment)} to a URI the client has registered, or set ${tokenVar} (the client's registration token) so this check reads the client back, names the registered URIs and prints the polar-oauth command that registers yours; without the token, only Polar's dashboard can change the client.`,
        { redirectUri: config.redirectUri, registeredRedirectUris: [] },
      );
    }
    throw new PolarError(
      "STARTUP_CHECK_REFUSED",
      `Polar refused the startup check's authorization request for client ${config.clientId} ${said}; sign-ins would fail the same way.`,
    );
  }
  if (status >= 300 && status < 400) {
    const error = errorOfRedirect(response.headers.get("location"), config.redirectUri);
    if (error === "invalid_scope") {
      throw new RegistrationMismatchError(
        `Polar refused the scopes ${config.scopes.join(" ")} for client ${config.clientId} (invalid_scope): the server does not support one of them. Fix: remove it from ${envVarName("POLAR_SCOPES", config.environment)}.`,
      );
    }
    if (error === "invalid_request" || error === "unauthorized_client") {
      throw new PolarError(
        "STARTUP_CHECK_REFUSED",
        `Polar refused the startup check's authorization request for client ${config.clientId} (${error}); sign-ins would fail the same way.`,
      );
    }
    // login_required, consent_required, …: the client and redirect URI were accepted.
    return { method: "probe", redirectUri: config.redirectUri };
  }
  if (status === 401 || (status >= 200 && status < 300)) {
    return { method: "probe", redirectUri: config.redirectUri };
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
