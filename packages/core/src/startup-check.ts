import type { PolarConfig } from "./config/schema.js";
import { envVarName } from "./environment.js";
import {
  PolarApiError,
  PolarUnreachableError,
  RedirectUriMismatchError,
  RegistrationMismatchError,
} from "./errors.js";
import type { HttpOptions } from "./http.js";
import { explainRedirectUriMismatch } from "./redirect-uri/explain.js";
import { getClient } from "./registration/api.js";
import { probeAuthorization } from "./startup-probe.js";
import { unverifiedWithoutRegistrationToken } from "./startup-unverified.js";

/** How the registration was verified, and what Polar has. */
export interface RegistrationCheck {
  /** `registration`: read back with the registration token; `probe`: asked the JSON authorize API. */
  method: "registration" | "probe";
  redirectUri: string;
  /** Known only with `registration`. */
  registeredRedirectUris?: string[] | undefined;
  /** With `probe`: what the check could not see without a registration token, and the fix. */
  unverified?: string | undefined;
}

/** Options of {@link verifyRegistration}. */
export interface VerifyRegistrationOptions extends Pick<HttpOptions, "fetch"> {
  /** Extra attempts when Polar is unreachable or answers 502, 503 or 504. Default 0. */
  retries?: number;
  /** Pause between attempts, in ms. Default 1000. */
  retryDelayMs?: number;
}

/**
 * The startup check: is the redirect URI the app will send exactly one that the Polar client
 * has registered? With a registration access token it reads the client back (RFC 7592) and
 * also checks the token endpoint auth method and scopes; without one it asks Polar's JSON
 * authorize API (see {@link probeAuthorization}), which answers 400 to an unknown client or
 * an unregistered redirect URI, but not the registered scope or auth method: the result's
 * `unverified` says so, with the fix.
 * One request, bounded by the config's timeout.
 *
 * Throws {@link RedirectUriMismatchError} (with the closest registered URI and the difference
 * in words), {@link RegistrationMismatchError}, or {@link PolarUnreachableError}.
 */
export async function verifyRegistration(
  config: PolarConfig,
  options: VerifyRegistrationOptions = {},
): Promise<RegistrationCheck> {
  const attempts = 1 + (options.retries ?? 0);
  for (let attempt = 1; ; attempt++) {
    try {
      if (config.registrationAccessToken) return await checkRegistration(config, options);
      const probed = await probeAuthorization(config, options);
      return { ...probed, unverified: unverifiedWithoutRegistrationToken(config) };
    } catch (error) {
      if (!isTransient(error) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 1000));
    }
  }
}

/** Polar is down or restarting: worth another attempt. */
function isTransient(error: unknown): boolean {
  return (
    error instanceof PolarUnreachableError ||
    (error instanceof PolarApiError && [502, 503, 504].includes(error.status))
  );
}

async function checkRegistration(
  config: PolarConfig,
  options: VerifyRegistrationOptions,
): Promise<RegistrationCheck> {
  const tokenVar = envVarName("POLAR_REGISTRATION_TOKEN", config.environment);
  let client: Awaited<ReturnType<typeof getClient>>;
  try {
    client = await getClient(config.clientId, {
      server: config.server,
      registrationAccessToken: config.registrationAccessToken,
      fetch: options.fetch,
      timeoutMs: config.timeoutMs,
    });
  } catch (error) {
    if (error instanceof PolarApiError && (error.status === 401 || error.status === 400)) {
      throw new RegistrationMismatchError(
        `Polar refused to show client ${config.clientId} (${error.status} ${error.error ?? ""}): the client was deleted, or ${tokenVar} belongs to another client. Fix: run \`polar-oauth bootstrap --env ${config.environment}\`, or set ${tokenVar} to this client's registration token.`,
      );
    }
    throw error;
  }
  const mismatch = explainRedirectUriMismatch(config.redirectUri, client.redirect_uris);
  if (mismatch) {
    throw new RedirectUriMismatchError(
      `Redirect URI ${config.redirectUri} is not registered for Polar client ${config.clientId}: ${mismatch.summary} Polar compares redirect URIs exactly. Fix: set ${envVarName("POLAR_REDIRECT_URI", config.environment)} to a registered URI, or register yours with \`polar-oauth bootstrap --env ${config.environment} --redirect-uri ${config.redirectUri}\`.`,
      {
        redirectUri: config.redirectUri,
        registeredRedirectUris: client.redirect_uris,
        closest: mismatch.closest,
      },
    );
  }
  if (client.token_endpoint_auth_method !== config.authMethod) {
    throw new RegistrationMismatchError(
      `Polar client ${config.clientId} is registered with token_endpoint_auth_method=${client.token_endpoint_auth_method}, but the app is configured for ${config.authMethod}: Polar accepts only the registered method, so every sign-in would fail at the token exchange (401 invalid_client). Fix: set POLAR_AUTH_METHOD=${client.token_endpoint_auth_method}${client.token_endpoint_auth_method === "none" ? " and remove the client secret" : ""}, or change the client with \`polar-oauth clients update --env ${config.environment} --auth-method ${config.authMethod}\`.`,
    );
  }
  if (client.scope) {
    // Polar does not refuse a sign-in that asks for a scope the client lacks: when the token is
    // issued, Authlib's BearerTokenGenerator keeps only `client.get_allowed_scope(scope)`
    // (OAuth2ClientMixin, server/polar/models/oauth2_client.py), so the app would sign users in
    // and then fail with 403 insufficient_scope on the API.
    const registered = new Set(client.scope.split(" "));
    const missing = config.scopes.filter((scope) => !registered.has(scope));
    if (missing.length > 0) {
      throw new RegistrationMismatchError(
        `Polar client ${config.clientId} is not registered for scope ${missing.join(", ")}, which POLAR_SCOPES requests. Polar does not refuse the sign-in: it silently leaves ${missing.length === 1 ? "that scope" : "those scopes"} out of the access token, and API calls needing ${missing.length === 1 ? "it" : "them"} fail with 403. Fix: remove ${missing.join(", ")} from POLAR_SCOPES, or add ${missing.length === 1 ? "it" : "them"} to the client's scope (\`polar-oauth clients update --env ${config.environment} --scope "…"\` or the "scope" of polar-oauth.json, then \`polar-oauth bootstrap --env ${config.environment} --apply\`).`,
      );
    }
  }
  return {
    method: "registration",
    redirectUri: config.redirectUri,
    registeredRedirectUris: client.redirect_uris,
  };
}
