import * as oidc from "openid-client";
import type { PolarConfig } from "../config/schema.js";
import { getServerMetadata } from "../server/discovery.js";
import { refuseEmulatorInProduction } from "../server/emulator.js";
import { isLoopbackHost } from "../server/transport.js";

/** Network options for the openid-client configuration. */
export interface OidcClientOptions {
  fetch?: typeof fetch | undefined;
}

/**
 * Lazily builds one openid-client `Configuration` per process for this Polar client: server
 * metadata (shipped for Polar, discovered once for a custom URL), the registered token
 * endpoint auth method, the timeout, and plain http only for a local server (the emulator).
 * The id_token's signature is verified by `id-token-signature.ts`: openid-client's own check
 * needs a `kid` once the JWKS holds two keys, and Polar's id_tokens have none.
 * A failed build is not cached: the next call tries again.
 */
export function createOidcClient(
  config: PolarConfig,
  options: OidcClientOptions = {},
): () => Promise<oidc.Configuration> {
  let pending: Promise<oidc.Configuration> | undefined;
  return () => {
    pending ??= build(config, options).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

async function build(config: PolarConfig, options: OidcClientOptions): Promise<oidc.Configuration> {
  const metadata = await getServerMetadata(config.server, {
    fetch: options.fetch,
    timeoutMs: config.timeoutMs,
  });
  refuseEmulatorInProduction(metadata, config);
  const secret = config.clientSecret?.reveal();
  const auth =
    config.authMethod === "client_secret_basic"
      ? oidc.ClientSecretBasic(secret)
      : config.authMethod === "client_secret_post"
        ? oidc.ClientSecretPost(secret)
        : oidc.None();
  const configuration = new oidc.Configuration(
    metadata as oidc.ServerMetadata,
    config.clientId,
    { token_endpoint_auth_method: config.authMethod, id_token_signed_response_alg: "RS256" },
    auth,
  );
  configuration.timeout = config.timeoutMs / 1000;
  if (options.fetch) configuration[oidc.customFetch] = options.fetch as oidc.CustomFetch;
  if (usesLocalHttp(config.server.url, metadata)) oidc.allowInsecureRequests(configuration);
  return configuration;
}

/**
 * Plain http is allowed only when the configured server is itself plain http (the config
 * accepted it: loopback, see `server/transport.ts`) and every http endpoint it advertises is
 * on loopback too (the emulator).
 */
function usesLocalHttp(serverUrl: string, metadata: { [key: string]: unknown }): boolean {
  if (!serverUrl.startsWith("http:")) return false;
  const urls = Object.entries(metadata)
    .filter(([key, value]) =>
      key.endsWith("_endpoint") || key === "jwks_uri" ? typeof value === "string" : false,
    )
    .map(([, value]) => new URL(value as string));
  return (
    urls.some((url) => url.protocol === "http:") &&
    urls.every((url) => url.protocol === "https:" || isLoopbackHost(url.hostname))
  );
}
