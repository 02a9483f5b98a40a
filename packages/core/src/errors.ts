/** Base class of every error the kit throws; `code` is stable and safe to branch on. */
export class PolarError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem found in the configuration: which variable, for which environment, and the fix. */
export interface PolarConfigIssue {
  /** Environment variable (e.g. `POLAR_CLIENT_ID_PROD`) or option path (e.g. `session.secrets`). */
  variable: string;
  /** What is wrong, without the value when the variable holds a secret. */
  problem: string;
  /** What to change. */
  fix: string;
}

/** The configuration is unusable; lists every problem at once, each with its fix. */
export class PolarConfigError extends PolarError {
  readonly issues: readonly PolarConfigIssue[];
  readonly environment: string | undefined;

  constructor(issues: readonly PolarConfigIssue[], environment?: string) {
    const where = environment ? ` (ENVIRONMENT=${environment})` : "";
    const lines = issues.map((i) => `  - ${i.variable}: ${i.problem} Fix: ${i.fix}`);
    super(
      "POLAR_CONFIG_INVALID",
      `Polar OAuth configuration has ${issues.length} problem${issues.length === 1 ? "" : "s"}${where}:\n${lines.join("\n")}`,
    );
    this.issues = issues;
    this.environment = environment;
  }
}

/** The redirect URI the app would send is not exactly one that the Polar client has registered. */
export class RedirectUriMismatchError extends PolarError {
  readonly redirectUri: string;
  readonly registeredRedirectUris: readonly string[];
  readonly closest: string | undefined;

  constructor(
    message: string,
    details: { redirectUri: string; registeredRedirectUris: readonly string[]; closest?: string },
  ) {
    super("REDIRECT_URI_MISMATCH", message);
    this.redirectUri = details.redirectUri;
    this.registeredRedirectUris = details.registeredRedirectUris;
    this.closest = details.closest;
  }
}

/** The registered client disagrees with the configuration in a way other than the redirect URI. */
export class RegistrationMismatchError extends PolarError {
  constructor(message: string) {
    super("REGISTRATION_MISMATCH", message);
  }
}

/** Polar answered 429: too many requests. `retryAfterSeconds` comes from `Retry-After`. */
export class PolarRateLimitError extends PolarError {
  readonly retryAfterSeconds: number | undefined;
  readonly endpoint: string;

  constructor(endpoint: string, retryAfterSeconds: number | undefined) {
    const when =
      retryAfterSeconds === undefined ? "retry later" : `retry after ${retryAfterSeconds} s`;
    super("POLAR_RATE_LIMITED", `Polar rate limit on ${endpoint}: ${when}.`);
    this.endpoint = endpoint;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Polar could not be reached in time (connection refused, DNS failure, timeout). */
export class PolarUnreachableError extends PolarError {
  readonly url: string;

  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super("POLAR_UNREACHABLE", `Polar server unreachable at ${url}: ${reason}.`, options);
    this.url = url;
  }
}

/** Polar answered with an error (4xx/5xx) or with a body the kit cannot read. */
export class PolarApiError extends PolarError {
  readonly status: number;
  /** OAuth `error` code from the body when there is one (e.g. `invalid_client`). */
  readonly error: string | undefined;
  readonly endpoint: string;

  constructor(
    endpoint: string,
    status: number,
    message: string,
    error?: string,
    code = "POLAR_API_ERROR",
  ) {
    super(code, message);
    this.endpoint = endpoint;
    this.status = status;
    this.error = error;
  }
}

/** A Polar-compatible server's discovery document is missing, malformed or for another issuer. */
export class PolarDiscoveryError extends PolarError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("POLAR_DISCOVERY_FAILED", message, options);
  }
}

/**
 * Polar refused an API call with 403 `insufficient_scope`: the session's token lacks the scope
 * the endpoint needs. `requiredScope` is the scope Polar names for this kind of call (e.g.
 * `products:read` for `products.list`) when the kit can tell; the fix is to add it to
 * `POLAR_SCOPES` (and the client's registration) and sign in again.
 */
export class PolarInsufficientScopeError extends PolarError {
  /** The SDK call, e.g. `products.list`. */
  readonly operation: string;
  /** The scope this call needs, when known. */
  readonly requiredScope: string | undefined;
  /** What the session was granted. */
  readonly grantedScopes: readonly string[];

  constructor(
    operation: string,
    requiredScope: string | undefined,
    grantedScopes: readonly string[],
  ) {
    const need = requiredScope
      ? `the session was not granted ${requiredScope}. Add ${requiredScope} to POLAR_SCOPES (and to the client's scopes), then sign in again`
      : "the session lacks the scope this endpoint needs. Add it to POLAR_SCOPES (and to the client's scopes), then sign in again";
    super("INSUFFICIENT_SCOPE", `Polar refused ${operation}: ${need}.`);
    this.operation = operation;
    this.requiredScope = requiredScope;
    this.grantedScopes = grantedScopes;
  }
}

/**
 * The shared state store (`store` option: Redis, say) cannot be used right now. Sign-ins and
 * refreshes answer 503 with `Retry-After`; `status` and `headers` are set so Express's and
 * Koa's default error handlers answer the same when an app lets it through.
 */
export class PolarStoreUnavailableError extends PolarError {
  readonly status = 503;
  readonly expose = true;
  readonly retryAfterSeconds: number;
  readonly headers: Record<string, string>;

  constructor(reason: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super("STORE_UNAVAILABLE", `The shared session store is unavailable: ${reason}.`, options);
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 5;
    this.headers = { "retry-after": String(this.retryAfterSeconds) };
  }
}
