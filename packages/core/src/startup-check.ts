import type { PolarConfig } from "./config/schema.js";
import { envVarName } from "./environment.js";
import {
  PolarApiError,
  type PolarServerMismatchError,
  PolarUnreachableError,
  RedirectUriMismatchError,
  RegistrationMismatchError,
} from "./errors.js";
import type { HttpOptions } from "./http.js";
import { explainRedirectUriMismatch } from "./redirect-uri/explain.js";
import { getClient } from "./registration/api.js";
import { getServerMetadata } from "./server/discovery.js";
import { refuseEmulatorInProduction } from "./server/emulator.js";
import { describeServerChoice } from "./server/server-choice.js";
import { findClientElsewhere } from "./startup-elsewhere.js";
import {
  addScopesCommand,
  registerNewClientCommand,
  registerRedirectUriCommand,
} from "./startup-fix.js";
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
 * `unverified` says so, with the fix. In production a custom server's discovery document is
 * read first, and the polar-oauth emulator is refused (`POLAR_UNSAFE_EMULATOR_IN_PRODUCTION`).
 * One request (two for a custom server in production), each bounded by the config's timeout.
 *
 * Throws {@link RedirectUriMismatchError} (with the closest registered URI, the difference in
 * words and a `polar-oauth bootstrap` command that registers the app's URI),
 * {@link RegistrationMismatchError}, {@link PolarServerMismatchError} (the client is not on
 * this server but on the other Polar server: one more request, only then), or
 * {@link PolarUnreachableError} naming the server and why it was chosen.
 */
export async function verifyRegistration(
  config: PolarConfig,
  options: VerifyRegistrationOptions = {},
): Promise<RegistrationCheck> {
  try {
    return await verifyWithRetries(config, options);
  } catch (error) {
    throw await explainFailure(error, config, options);
  }
}

/**
 * What the user needs beyond the bare failure: which server was unreachable and why it was
 * chosen, and for a client the server does not know, whether the other Polar server has it.
 */
async function explainFailure(
  error: unknown,
  config: PolarConfig,
  options: VerifyRegistrationOptions,
): Promise<unknown> {
  if (error instanceof PolarUnreachableError) {
    return new PolarUnreachableError(error.url, error.reason, {
      cause: error.cause,
      server: describeServerChoice(config),
    });
  }
  if (error instanceof RegistrationMismatchError && error.clientUnknown) {
    return (await findClientElsewhere(config, options)) ?? error;
  }
  return error;
}

async function verifyWithRetries(
  config: PolarConfig,
  options: VerifyRegistrationOptions,
): Promise<RegistrationCheck> {
  const attempts = 1 + (options.retries ?? 0);
  for (let attempt = 1; ; attempt++) {
    try {
      if (config.environment === "production" && !config.server.metadata) {
        const metadata = await getServerMetadata(config.server, {
          fetch: options.fetch,
          timeoutMs: config.timeoutMs,
        });
        refuseEmulatorInProduction(metadata, config);
      }
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
        `Polar refused to show client ${config.clientId} (${error.status} ${error.error ?? ""}): the client was deleted, or ${tokenVar} belongs to another client. Fix: set ${tokenVar} to this client's registration token, or register a new client with \`${registerNewClientCommand(config)}\` (name it as Polar's consent screen should show it).`,
        { clientUnknown: true },
      );
    }
    throw error;
  }
  const mismatch = explainRedirectUriMismatch(config.redirectUri, client.redirect_uris);
  if (mismatch) {
    throw new RedirectUriMismatchError(
      `Redirect URI ${config.redirectUri} is not registered for Polar client ${config.clientId}: ${mismatch.summary} Polar compares redirect URIs exactly. Fix: set ${envVarName("POLAR_REDIRECT_URI", config.environment)} to a registered URI, or register yours next to them with \`${registerRedirectUriCommand(config, client.redirect_uris)}\` (run where the app's credentials are: its environment or .env.${config.environment}.local).`,
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
        `Polar client ${config.clientId} is not registered for scope ${missing.join(", ")}, which POLAR_SCOPES requests. Polar does not refuse the sign-in: it silently leaves ${missing.length === 1 ? "that scope" : "those scopes"} out of the access token, and API calls needing ${missing.length === 1 ? "it" : "them"} fail with 403. Fix: remove ${missing.join(", ")} from POLAR_SCOPES, or add ${missing.length === 1 ? "it" : "them"} to the client's scope with \`${addScopesCommand(config, client.scope, missing)}\` (and to the "scope" of polar-oauth.json, if you keep one).`,
      );
    }
  }
  return {
    method: "registration",
    redirectUri: config.redirectUri,
    registeredRedirectUris: client.redirect_uris,
  };
}
