import type { GrantType, PolarClientMetadata, TokenEndpointAuthMethod } from "./client-metadata.js";

export type { GrantType, TokenEndpointAuthMethod } from "./client-metadata.js";

/** An organization fixture users belong to (what `sub_type=organization` down-scopes a token to). */
export interface FixtureOrganization {
  /** UUID, listed in introspection's `organizations` for a token down-scoped to it. */
  id: string;
  /** URL slug, as `GET /v1/organizations/` returns it. */
  slug: string;
  /** Display name on the consent page. */
  name: string;
}

/** A person who can sign in on the emulator's login page. */
export interface FixtureUser {
  /** UUID, used as the token `sub` for user tokens. */
  id: string;
  email: string;
  emailVerified: boolean;
  /** Display name on the login page (Polar's userinfo has no `name` for users). */
  name: string;
  /** Personal Access Token: Polar's API token for its REST API, which client management refuses (403 `NotPermitted`). */
  pat: string;
  /** Ids of the organizations (in `EmulatorFixtures.organizations`) this user belongs to. */
  organizations: string[];
}

/** The users and organizations the emulator knows. */
export interface EmulatorFixtures {
  users: FixtureUser[];
  organizations: FixtureOrganization[];
}

/** An organization as written in fixtures: only `name` is required. */
export interface FixtureOrganizationInput {
  id?: string;
  slug?: string;
  name: string;
}

/**
 * A fixture user as written in a fixtures object or JSON file: only `email` is required.
 * `organizations` lists ids of `EmulatorFixturesInput.organizations`, or organizations inline.
 */
export interface FixtureUserInput {
  id?: string;
  email: string;
  emailVerified?: boolean;
  name?: string;
  pat?: string;
  organizations?: Array<string | FixtureOrganizationInput>;
}

/** Fixtures as accepted by `startEmulator({ fixtures })`. */
export interface EmulatorFixturesInput {
  users: FixtureUserInput[];
  organizations?: FixtureOrganizationInput[];
}

/** Client metadata as sent to `POST /v1/oauth2/register` (Polar's field names). */
export interface ClientMetadataInput {
  client_name: string;
  redirect_uris: string[];
  client_uri?: string;
  logo_uri?: string;
  tos_uri?: string;
  policy_uri?: string;
  token_endpoint_auth_method?: TokenEndpointAuthMethod;
  grant_types?: GrantType[];
  response_types?: string[];
  scope?: string;
  /** Accepted and dropped, as the real server does (tokens default to `sub_type=user`). */
  default_sub_type?: "user" | "organization";
}

/** A client that exists when the emulator starts, with fixed credentials. */
export interface ClientRegistration extends ClientMetadataInput {
  /** Fixed client id; generated (`polar_ci_…`) when omitted. */
  client_id?: string;
  /** Fixed client secret; generated (`polar_cs_…`) when omitted. Ignored for `none`. */
  client_secret?: string;
  /** Fixed registration access token; generated (`polar_crt_…`) when omitted. */
  registration_access_token?: string;
  /** Fixture user id or email owning the client (shown in their list, manageable from their signed-in browser session). */
  owner?: string;
}

/** What `POST /v1/oauth2/register` answers (201). */
export interface RegisteredClientResponse extends PolarClientMetadata {
  client_id: string;
  /** Omitted for `token_endpoint_auth_method: "none"` (as is `client_secret_expires_at`). */
  client_secret?: string;
  client_id_issued_at: number;
  client_secret_expires_at?: number;
  registration_client_uri: string;
  registration_access_token: string;
}

/**
 * Polar's own per-minute rules of one environment (`server/polar/rate_limit.py`):
 * `"polar-sandbox"` (the default: 100/min per IP, 60/min per bearer token or session cookie,
 * on every `/v1` route) or `"polar-production"` (500 / 60); `false` (no limits); or an object
 * of the seed's hourly limits, which Polar's code has no counterpart for (10 / 60 / 100,
 * overridden one by one).
 */
export type RateLimitOption = false | Partial<RateLimits> | "polar-sandbox" | "polar-production";

/** The seed's per-hour limits (10 / 60 / 100 unless overridden); only with an object `rateLimits`. */
export interface RateLimits {
  /** Client registrations per hour per signed-in user, or per IP when anonymous. */
  registrationPerHour: number;
  /** Authorization requests per hour per client. */
  authorizationPerHour: number;
  /** Token requests per hour per client. */
  tokenPerHour: number;
}

/** Options of `startEmulator`. */
export interface EmulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; default "127.0.0.1". */
  host?: string;
  /** "polar" (default): `https://polar.sh` like real Polar; "self": the emulator's own URL; or any URL. */
  issuer?: "polar" | "self" | (string & {});
  /** Fixture users, or a path to a JSON file holding `{ "users": [...] }`. */
  fixtures?: EmulatorFixturesInput | string;
  /** See {@link RateLimitOption}; default: `"polar-sandbox"`, Polar's per-minute rules. */
  rateLimits?: RateLimitOption;
  /**
   * Every scope this server supports: the scope a client registered without `scope` gets, what
   * registration accepts, discovery's `scopes_supported`. Default: Polar's list of 2026-08.
   * Polar adds scopes over time; set this to test against a server whose list differs.
   */
  scopes?: readonly string[];
  /**
   * Publishes a second RSA key in the JWKS that signs nothing, before (`"first"`) or after
   * (`"last"`) the signing key: Polar's JWKS holds two while it rotates keys, and its id_tokens
   * carry no `kid`, so a relying party must try every RS256 key. Default: one key.
   */
  extraJwk?: "first" | "last";
  /** Clients registered at start, with fixed credentials. */
  clients?: ClientRegistration[];
  /** JSON file holding registered clients, signing key, grants and tokens across restarts. */
  persistPath?: string;
  /** Receives one line per request (method, path, status, duration); never a secret. */
  log?: (line: string) => void;
  /** Clock in milliseconds, for expiry and rate-limit tests; defaults to `Date.now`. */
  now?: () => number;
}

/** Request counters, see `Emulator.stats()`. */
export interface EmulatorStats {
  requests: {
    discovery: number;
    jwks: number;
    /** The browser page `/oauth2/authorize`. */
    authorize: number;
    /** The JSON API `GET /v1/oauth2/authorize` (what the kit's startup check probes). */
    authorize_api: number;
    token: number;
    userinfo: number;
    revoke: number;
    introspect: number;
    register: number;
    registration_read: number;
    registration_update: number;
    registration_delete: number;
    list: number;
    /** `GET /v1/organizations/`. */
    organizations: number;
    /** `GET /v1/organizations/{id}`. */
    organization: number;
    /** `GET /v1/products/`. */
    products: number;
    /** `GET /v1/orders/`. */
    orders: number;
    /** `GET /v1/subscriptions/`. */
    subscriptions: number;
  };
  tokenGrants: { authorization_code: number; refresh_token: number };
  rateLimited: number;
}

/** A running emulator. */
export interface Emulator {
  /** Base URL without trailing slash, e.g. "http://127.0.0.1:53211". */
  url: string;
  /**
   * The socket it really listens on (`0.0.0.0` for `--host 0.0.0.0`, where `url` says
   * 127.0.0.1) and whether only this machine can reach it.
   */
  bound: { address: string; port: number; loopback: boolean };
  /** The `issuer` of discovery and id_tokens. */
  issuer: string;
  /** Stops listening, closes open connections and writes the persist file. */
  close(): Promise<void>;
  /** Request counts per endpoint and token requests per grant type. */
  stats(): EmulatorStats;
  /** Sets every counter back to 0. */
  resetStats(): void;
  /**
   * Registers a client like `POST /v1/oauth2/register` (not rate limited, not counted): anonymous,
   * or with `owner` (fixture user id or email) as if that user were signed in on the dashboard.
   * Rejects with `EmulatorApiError` on a 4xx.
   */
  registerClient(
    metadata: Record<string, unknown>,
    opts?: { owner?: string },
  ): Promise<RegisteredClientResponse>;
  /** The users and organizations in use. */
  fixtures: EmulatorFixtures;
}
