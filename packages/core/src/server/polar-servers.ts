import { POLAR_SCOPES } from "../scopes.js";

/** The `iss` Polar puts in discovery and id_tokens in every environment (a known quirk). */
export const POLAR_ISSUER = "https://polar.sh";

/** The authorization server metadata the kit needs (RFC 8414 names). */
export interface PolarServerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint?: string | undefined;
  revocation_endpoint?: string | undefined;
  introspection_endpoint?: string | undefined;
  registration_endpoint?: string | undefined;
  jwks_uri: string;
  [key: string]: unknown;
}

/** A Polar server: one of Polar's hosted ones (metadata shipped as data) or a compatible URL. */
export interface PolarServer {
  /** `production` and `sandbox` are Polar's; `custom` is any compatible server (the emulator). */
  kind: "production" | "sandbox" | "custom";
  /** API base URL without trailing slash; `/v1/oauth2/...` hangs off it. */
  url: string;
  /** Shipped metadata for Polar's servers; undefined for custom servers (discovered). */
  metadata: Readonly<PolarServerMetadata> | undefined;
  /**
   * The JSON authorize API on the API host, which Polar's browser page calls
   * (`GET /v1/oauth2/authorize`). Absent: `{url}/v1/oauth2/authorize`.
   */
  authorizationApi?: string | undefined;
}

/** Path of the JSON authorize API under a server's API URL. */
export const AUTHORIZATION_API_PATH = "/v1/oauth2/authorize";

function hostedMetadata(apiUrl: string, browserUrl: string): Readonly<PolarServerMetadata> {
  const metadata: PolarServerMetadata = {
    issuer: POLAR_ISSUER,
    authorization_endpoint: `${browserUrl}/oauth2/authorize`,
    token_endpoint: `${apiUrl}/v1/oauth2/token`,
    userinfo_endpoint: `${apiUrl}/v1/oauth2/userinfo`,
    revocation_endpoint: `${apiUrl}/v1/oauth2/revoke`,
    introspection_endpoint: `${apiUrl}/v1/oauth2/introspect`,
    registration_endpoint: `${apiUrl}/v1/oauth2/register`,
    jwks_uri: `${apiUrl}/.well-known/jwks.json`,
    response_types_supported: ["code"],
    // Polar's WebGrant (server/polar/oauth2/grants/web.py), for its own dashboard; a client
    // cannot register it (schemas.py allows authorization_code and refresh_token only).
    grant_types_supported: ["authorization_code", "refresh_token", "web"],
    code_challenge_methods_supported: ["S256", "plain"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    id_token_signing_alg_values_supported: ["RS256"],
    subject_types_supported: ["public"],
    scopes_supported: [...POLAR_SCOPES],
  };
  for (const value of Object.values(metadata)) if (Array.isArray(value)) Object.freeze(value);
  return Object.freeze(metadata);
}

/** Polar's hosted servers, as data: API host, browser authorize host, issuer, endpoints. */
/** Frozen: every config shares these objects, so nobody may repoint them. */
export const POLAR_SERVERS: Readonly<Record<"production" | "sandbox", Readonly<PolarServer>>> =
  Object.freeze({
    production: Object.freeze({
      kind: "production",
      url: "https://api.polar.sh",
      metadata: hostedMetadata("https://api.polar.sh", "https://polar.sh"),
      authorizationApi: `https://api.polar.sh${AUTHORIZATION_API_PATH}`,
    }),
    sandbox: Object.freeze({
      kind: "sandbox",
      url: "https://sandbox-api.polar.sh",
      metadata: hostedMetadata("https://sandbox-api.polar.sh", "https://sandbox.polar.sh"),
      authorizationApi: `https://sandbox-api.polar.sh${AUTHORIZATION_API_PATH}`,
    }),
  });

/**
 * Resolves `production`, `sandbox` or the URL of a Polar-compatible server.
 * Returns undefined for anything else (the config layer reports it).
 */
export function resolvePolarServer(value: string): PolarServer | undefined {
  if (value === "production" || value === "sandbox") return POLAR_SERVERS[value];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  if (url.search || url.hash || url.username || url.password) return undefined;
  const base = url.href.replace(/\/+$/, "");
  const hosted = Object.values(POLAR_SERVERS).find((server) => server.url === base);
  return hosted ?? { kind: "custom", url: base, metadata: undefined };
}

/**
 * Where the startup check asks whether a client and redirect URI are registered: the JSON API
 * (`server/polar/oauth2/endpoints/oauth2.py` `authorize`), never the browser page
 * (`polar.sh/oauth2/authorize`), which renders its error page with a 2xx status.
 */
export function authorizationApiEndpoint(server: PolarServer): string {
  return server.authorizationApi ?? `${server.url}${AUTHORIZATION_API_PATH}`;
}

/** Polar's client-management endpoints under a server's API URL. */
export function registrationEndpoints(server: PolarServer): {
  register: string;
  client: (clientId: string) => string;
  list: string;
} {
  return {
    register: `${server.url}/v1/oauth2/register`,
    client: (clientId) => `${server.url}/v1/oauth2/register/${encodeURIComponent(clientId)}`,
    list: `${server.url}/v1/oauth2/`,
  };
}
