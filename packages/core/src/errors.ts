/**
 * Where the error reference lives: `ERRORS.md` in `@polar-oauth/core` (in the repository and
 * in the installed package, `node_modules/@polar-oauth/core/ERRORS.md`).
 */
export const ERROR_REFERENCE = "@polar-oauth/core/ERRORS.md";

/** The entry for `code` in the error reference, e.g. `@polar-oauth/core/ERRORS.md#polar_unreachable`. */
export function errorReference(code: string): string {
  return `${ERROR_REFERENCE}#${code.toLowerCase()}`;
}

/**
 * Base class of every error the kit throws; `code` is stable and safe to branch on, and
 * `reference` is its entry in the error reference. A message that asks the developer to
 * change something (configuration, registration, scopes) ends with that pointer; routine
 * outcomes at run time (a rate limit, an ended session, a store outage, a failed sign-in,
 * whose reason the person signing in reads) keep a short message (`{ reference: false }`).
 */
export class PolarError extends Error {
  readonly code: string;
  /** The code's entry in the error reference ({@link errorReference}). */
  readonly reference: string;

  constructor(
    code: string,
    message: string,
    options?: { cause?: unknown; reference?: boolean | undefined },
  ) {
    const reference = errorReference(code);
    super(
      options?.reference === false ? message : `${message} (see ${reference})`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.code = code;
    this.reference = reference;
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
  /** True when the server does not know the client at all (unknown id, deleted, other server). */
  readonly clientUnknown: boolean;

  constructor(message: string, options?: { clientUnknown?: boolean }) {
    super("REGISTRATION_MISMATCH", message);
    this.clientUnknown = options?.clientUnknown === true;
  }
}

/**
 * The client exists, but on the other Polar server: a sandbox client configured against
 * production, or the other way round (sandbox and production keep separate clients).
 */
export class PolarServerMismatchError extends PolarError {
  /** Where the client was found: `production` or `sandbox`. */
  readonly foundOn: "production" | "sandbox";

  constructor(message: string, foundOn: "production" | "sandbox") {
    super("CLIENT_ON_OTHER_SERVER", message);
    this.foundOn = foundOn;
  }
}

/** Polar answered 429: too many requests. `retryAfterSeconds` comes from `Retry-After`. */
export class PolarRateLimitError extends PolarError {
  readonly retryAfterSeconds: number | undefined;
  readonly endpoint: string;

  constructor(endpoint: string, retryAfterSeconds: number | undefined) {
    const when =
      retryAfterSeconds === undefined ? "retry later" : `retry after ${retryAfterSeconds} s`;
    super("POLAR_RATE_LIMITED", `Polar rate limit on ${endpoint}: ${when}.`, { reference: false });
    this.endpoint = endpoint;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Polar could not be reached in time (connection refused, DNS failure, timeout). `server`
 * says which server that was and why it was chosen, when the caller knows (the startup check
 * does: "the sandbox: POLAR_SERVER is unset, and ENVIRONMENT=development uses the sandbox").
 */
export class PolarUnreachableError extends PolarError {
  readonly url: string;
  /** What went wrong on the wire: a timeout or the connection error code. */
  readonly reason: string;
  /** Which server this is and why it was chosen, when the caller knew. */
  readonly server: string | undefined;

  constructor(
    url: string,
    reason: string,
    options?: { cause?: unknown; server?: string | undefined },
  ) {
    // With the server's story (the startup check), the fix and the reference follow; a
    // refresh or sign-in that found Polar down keeps the short form.
    const server = options?.server;
    super(
      "POLAR_UNREACHABLE",
      server
        ? `Polar server unreachable at ${url} (${server}): ${reason}. Fix: check the network (proxy, DNS, firewall), or set POLAR_SERVER to the server you mean: production, sandbox, or a Polar-compatible URL such as the local emulator's.`
        : `Polar server unreachable at ${url}: ${reason}.`,
      { cause: options?.cause, reference: server !== undefined },
    );
    this.url = url;
    this.reason = reason;
    this.server = server;
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
    super(code, message, { reference: false });
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
    // Koa exposes this message in the 503 body (`expose`): it stays short.
    super("STORE_UNAVAILABLE", `The shared session store is unavailable: ${reason}.`, {
      cause: options?.cause,
      reference: false,
    });
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 5;
    this.headers = { "retry-after": String(this.retryAfterSeconds) };
  }
}
