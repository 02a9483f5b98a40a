import { createPolarApi, type PolarApi } from "./api/client.js";
import type { PolarConfig } from "./config/schema.js";
import { PolarConfigError, type PolarError } from "./errors.js";
import { completeLogin } from "./flow/callback.js";
import { type FlowContext, html, json, NO_STORE, redirect } from "./flow/context.js";
import { guard } from "./flow/guard.js";
import { beginLogin } from "./flow/login.js";
import { toLoginError } from "./flow/login-error.js";
import { logout } from "./flow/logout.js";
import { createOidcClient } from "./flow/oidc-client.js";
import { consoleLogger, type PolarAuthOptions, type PolarLogger } from "./flow/options.js";
import { organizationSource } from "./flow/organization.js";
import {
  createTokenRefresher,
  PolarSessionEndedError,
  type RefreshedTokens,
} from "./flow/refresh.js";
import { createTransactionCookies } from "./flow/transaction.js";
import { renderLoginErrorPage } from "./http/pages.js";
import type { AuthRequest, AuthResponse, SetCookie } from "./http/types.js";
import { type PolarSession, toPolarSession } from "./session/data.js";
import type { RevocationResult, SessionRevocationStore } from "./session/revocation.js";
import { createSealer } from "./session/seal.js";
import { createSessionStore, type SessionRead } from "./session/store.js";
import { type RegistrationCheck, verifyRegistration } from "./startup-check.js";
import { memoryReplayGuard } from "./state/store.js";

/** What a request sees: the signed-in session (if any) and a way to get a fresh access token. */
export interface PolarRequestContext {
  /** The signed-in user's session, or undefined when signed out. */
  readonly session: PolarSession | undefined;
  /**
   * The session's id, or undefined when signed out: the handle a revocation store ends.
   * Keep it per user to end sessions server-side later with `PolarAuth.revokeSession`
   * (sign out everywhere, a banned user). It stays the same across refreshes.
   */
  readonly sessionId: string | undefined;
  /**
   * The access token, refreshed first if it expires within 60 s (one refresh per refresh
   * token in this process, or across instances with a shared `store`; the rotated tokens are
   * saved to the cookie). Throws `PolarSessionEndedError` when signed out or when Polar refuses
   * the refresh, having cleared the session, and `PolarStoreUnavailableError` (status 503) when
   * the shared store cannot coordinate the refresh.
   */
  getAccessToken(): Promise<string>;
  /**
   * Polar's API as the signed-in user: a `@polar-sh/sdk` client (API version 2026-10) bound to
   * this session and the configured Polar server, e.g.
   * `await req.polar.api.organizations.list()`. Each call takes the token from
   * `getAccessToken()` (so it refreshes when near expiry); an organization sign-in sends its
   * organization as `Polar-Organization`. Signed out, or a token Polar refuses (401): the
   * session is cleared and the call throws `PolarSessionEndedError` (`SESSION_ENDED`). A 403
   * `insufficient_scope` throws `PolarInsufficientScopeError` naming the scope to add. Needs
   * the optional peer dependency `@polar-sh/sdk` (a `PolarConfigError` says so when missing).
   */
  readonly api: PolarApi;
  /**
   * For adapters' `requireAuth`: undefined when this request may reach a protected route,
   * else the response to send (redirect to login for pages, 401 JSON for API calls, 403
   * when a required scope was not granted).
   */
  authorize(requiredScopes?: readonly string[]): AuthResponse | undefined;
}

/** The framework-free kit: routes, session access and the startup check. Adapters wrap it. */
export interface PolarAuth {
  readonly config: PolarConfig;
  /** The paths the kit answers. */
  readonly routes: FlowContext["routes"];
  /**
   * Settles when the startup check is done: resolves with what was verified (or undefined when
   * the check is off or only warned), rejects with the mismatch in `fail` mode. If nobody
   * awaits it and the check fails, the rejection goes unhandled and Node stops the process,
   * which is the point: an app with a wrong redirect URI must not start.
   */
  readonly ready: Promise<RegistrationCheck | undefined>;
  /** Answers the kit's own routes; undefined for any other path. */
  handle(request: AuthRequest): Promise<AuthResponse | undefined>;
  /** Reads the session for an app route; cookies to set (sliding expiry, refresh) go to `setCookie`. */
  context(request: AuthRequest, setCookie: SetCookie): Promise<PolarRequestContext>;
  /**
   * Ends a session server-side: every copy of its cookie is refused from now on. Needs the
   * `revocation` option or a `store` with revocation (throws `PolarConfigError` without); the id comes from
   * `PolarRequestContext.sessionId`. Resolves to `"revoked"`, or `"pending"` when the store
   * kept it but could not write it for every instance yet (it retries until it lands). Errors
   * of the store reach the caller.
   */
  revokeSession(sessionId: string): Promise<RevocationResult>;
}

/**
 * Builds the kit for one Polar client. Everything OAuth lives here; an adapter only converts
 * its framework's request to an {@link AuthRequest} and writes the {@link AuthResponse} back.
 */
export function createPolarAuth(config: PolarConfig, options: PolarAuthOptions = {}): PolarAuth {
  if (!config.session) {
    throw new PolarConfigError(
      [
        {
          variable: "SESSION_SECRET",
          problem: "is missing; sessions need it.",
          fix: "Set SESSION_SECRET to at least 32 random characters (e.g. `openssl rand -base64 32`).",
        },
      ],
      config.environment,
    );
  }
  const now = options.now ?? Date.now;
  const redirectUrl = new URL(config.redirectUri);
  const appOrigin = redirectUrl.origin;
  const secure = redirectUrl.protocol === "https:";
  const basePath = (options.basePath ?? "/auth").replace(/\/+$/, "");
  const routes = {
    login: `${basePath}/login`,
    callback: redirectUrl.pathname,
    logout: `${basePath}/logout`,
    me: `${basePath}/me`,
  };
  const logger = options.logger ?? consoleLogger;
  if (options.store && options.revocation) {
    throw new PolarConfigError([
      {
        variable: "revocation",
        problem: "is set together with `store`, which brings its own revocation.",
        fix: "Drop the `revocation` option; the `store` revokes sessions for every instance.",
      },
    ]);
  }
  const revocation = options.store ? options.store.revocation : options.revocation;
  // Discovery (when not cached yet) and the token request, each bounded by POLAR_TIMEOUT_MS.
  options.store?.configure?.({
    refreshTimeoutMs: 2 * config.timeoutMs,
    sessionLifetimeSeconds: config.session.absoluteTimeoutSeconds,
    now,
  });
  const client = createOidcClient(config, { fetch: options.fetch });
  const session = config.session;
  const flow: FlowContext = {
    config,
    options,
    routes,
    appOrigin,
    secure,
    logger,
    now,
    client,
    sessions: createSessionStore({
      clientId: config.clientId,
      config: session,
      secure,
      now,
      cacheSize: options.sessionCacheSize ?? 10_000,
      rollingIntervalSeconds:
        options.rollingIntervalSeconds ??
        Math.min(3600, Math.floor(session.idleTimeoutSeconds / 10)),
      revocation: failClosed(revocation, logger, now),
    }),
    transactions: createTransactionCookies({
      sealer: createSealer(session.secrets),
      baseName: session.cookieName,
      callbackPath: routes.callback,
      secure,
      now,
    }),
    replay: options.store?.replay ?? memoryReplayGuard(now),
    store: options.store,
    refresher: createTokenRefresher({
      client,
      now,
      sealer: createSealer(session.secrets, now),
      coordinator: options.store?.refresh,
    }),
  };

  const report = (error: PolarError) => {
    try {
      options.onError?.(error);
    } catch {
      logger.warn("onError hook threw; ignored.");
    }
  };

  const loginFailure = (error: unknown, cookies: string[]): AuthResponse => {
    const failure = toLoginError(error);
    logger.warn(
      `sign-in failed: ${failure.failure}${failure.detail ? ` (${failure.detail})` : ""}`,
    );
    report(failure);
    const retry: Record<string, string> =
      failure.retryAfterSeconds === undefined
        ? {}
        : { "retry-after": String(failure.retryAfterSeconds) };
    if (options.loginErrorPath) {
      const target = new URL(options.loginErrorPath, appOrigin);
      target.searchParams.set("error", failure.failure);
      target.searchParams.set("error_description", failure.message);
      return redirect(target.href, cookies);
    }
    const page = html(
      failure.status,
      renderLoginErrorPage({
        reason: failure.message,
        code: failure.failure,
        retryUrl: routes.login,
      }),
      cookies,
    );
    return { ...page, headers: { ...page.headers, ...retry } };
  };

  warnIfOrganizationUnknowable(config, logger);
  const ready = runStartupCheck(config, options, logger);

  return {
    config,
    routes,
    ready,

    async handle(request) {
      // Split at the first "?" only: a query may itself contain "?" (`returnTo=/search?q=1`).
      const mark = request.url.indexOf("?");
      const path = mark === -1 ? request.url : request.url.slice(0, mark);
      if (
        path !== routes.login &&
        path !== routes.callback &&
        path !== routes.logout &&
        path !== routes.me
      )
        return undefined;
      const query = new URLSearchParams(mark === -1 ? "" : request.url.slice(mark + 1));
      if (path === routes.login) {
        if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET");
        // Abandoned attempts beyond the limit go here too, not only at the callback: over
        // https their cookies travel with every request (`__Host-` means `Path=/`).
        const abandoned = flow.transactions.clearAbandoned(request.headers.cookie);
        try {
          const response = await beginLogin(flow, request, query);
          return { ...response, cookies: [...abandoned, ...response.cookies] };
        } catch (error) {
          return loginFailure(error, []);
        }
      }
      if (path === routes.callback) {
        if (request.method !== "GET") return methodNotAllowed("GET");
        const cleared: string[] = [];
        try {
          const response = await completeLogin(flow, request, query, (c) => cleared.push(...c));
          return { ...response, cookies: [...cleared, ...response.cookies] };
        } catch (error) {
          return loginFailure(error, cleared);
        }
      }
      if (path === routes.logout) {
        const allowed =
          request.method === "POST" ||
          (options.allowGetLogout === true && request.method === "GET");
        if (!allowed) return methodNotAllowed(options.allowGetLogout ? "GET, POST" : "POST");
        return logout(flow, request);
      }
      if (path === routes.me) {
        if (request.method !== "GET") return methodNotAllowed("GET");
        const current = await flow.sessions.read(request.headers.cookie);
        const cookies = current?.setCookie ? [current.setCookie] : [];
        if (!current) return json(401, { error: "unauthenticated" });
        const { user, subType, organization, scopes, accessTokenExpiresAt, signedInAt } =
          toPolarSession(current.data);
        return json(
          200,
          { user, subType, organization, scopes, accessTokenExpiresAt, signedInAt },
          cookies,
        );
      }
      return undefined;
    },

    async revokeSession(sessionId) {
      if (!revocation) {
        throw new PolarConfigError([
          {
            variable: "revocation",
            problem: "is not set, so sessions cannot be ended server-side.",
            fix: "Pass a SessionRevocationStore as the `revocation` option (memoryRevocationStore() for one process), or a shared `store` for several (@polar-oauth/redis).",
          },
        ]);
      }
      const until = Math.floor(now() / 1000) + session.absoluteTimeoutSeconds;
      return (await revocation.revoke(sessionId, until)) ?? "revoked";
    },

    async context(request, setCookie) {
      const current = await flow.sessions.read(request.headers.cookie);
      if (current?.setCookie) setCookie(current.setCookie);
      return new RequestContext(flow, request, setCookie, current, report);
    },
  };
}

/**
 * What `context()` returns for one request. A class rather than an object literal: a literal
 * with getters gets a hidden class of its own per request (its getter functions differ each
 * time), which V8 allocates in old space; under load that cost more CPU (in GC) than the whole
 * session read (issue 8's profile). The public view of the session is built on first use.
 */
class RequestContext implements PolarRequestContext {
  readonly #flow: FlowContext;
  readonly #request: AuthRequest;
  readonly #setCookie: SetCookie;
  readonly #report: (error: PolarError) => void;
  #current: SessionRead | undefined;
  #view: PolarSession | undefined | null = null;
  #api: PolarApi | undefined;
  #refreshing: Promise<string> | undefined;

  constructor(
    flow: FlowContext,
    request: AuthRequest,
    setCookie: SetCookie,
    current: SessionRead | undefined,
    report: (error: PolarError) => void,
  ) {
    this.#flow = flow;
    this.#request = request;
    this.#setCookie = setCookie;
    this.#current = current;
    this.#report = report;
  }

  get session(): PolarSession | undefined {
    if (this.#view === null)
      this.#view = this.#current ? toPolarSession(this.#current.data) : undefined;
    return this.#view;
  }

  get sessionId(): string | undefined {
    return this.#current?.data.sid;
  }

  authorize(requiredScopes?: readonly string[]): AuthResponse | undefined {
    return guard(this.#flow, this.#request, this.session, requiredScopes);
  }

  get api(): PolarApi {
    this.#api ??= createPolarApi({
      server: this.#flow.config.server,
      organizationId: () => this.#current?.data.org?.id,
      getAccessToken: () => this.getAccessToken(),
      grantedScopes: () => this.session?.scopes ?? [],
      endSession: async (reason) => {
        const current = this.#current;
        if (current) this.#setCookie(await this.#flow.sessions.end(current));
        this.#end();
        const error = new PolarSessionEndedError(reason);
        this.#report(error);
        return error;
      },
    });
    return this.#api;
  }

  async getAccessToken(): Promise<string> {
    const current = this.#current;
    if (!current) throw new PolarSessionEndedError("not signed in");
    const { data } = current;
    if (data.expiresAt - 60 > Math.floor(this.#flow.now() / 1000)) return data.accessToken;
    // Calls of one request that run together (Promise.all over the API) share one refresh,
    // and so one Set-Cookie.
    this.#refreshing ??= this.#refresh(current).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(current: SessionRead): Promise<string> {
    const flow = this.#flow;
    const { data } = current;
    if (!data.refreshToken) {
      this.#setCookie(await flow.sessions.end(current));
      this.#end();
      throw new PolarSessionEndedError("the access token expired and there is no refresh token");
    }
    try {
      const merge = (tokens: RefreshedTokens) => ({
        ...data,
        ...tokens,
        scope: tokens.scope ?? data.scope,
      });
      const { tokens, setCookie } = await flow.refresher.refresh(data.refreshToken, (tokens) =>
        flow.sessions.issue(merge(tokens)),
      );
      const next = merge(tokens);
      this.#setCookie(setCookie);
      this.#current = { ...current, data: next };
      this.#view = null;
      return tokens.accessToken;
    } catch (error) {
      if (error instanceof PolarSessionEndedError) {
        this.#setCookie(await flow.sessions.end(current));
        this.#end();
      }
      this.#report(error as PolarError);
      throw error;
    }
  }

  #end(): void {
    this.#current = undefined;
    this.#view = undefined;
  }
}

/**
 * The app's revocation store, made safe to call on every request: if it fails (Redis down),
 * the session counts as ended (fail closed: a stolen cookie must not outlive an outage of the
 * very store meant to kill it). A revocation the store only kept (`pending`) or could not make
 * (it threw) is logged, and the throw goes on to the session store, which still clears the
 * cookie and reports `failed`. Only the error's code is logged (a store's message may hold a
 * connection string), or, for the kit's own `STORE_UNAVAILABLE`, its message (it names host
 * and port, never a password). An outage is logged once per 10 seconds, not once per request.
 */
function failClosed(
  store: SessionRevocationStore | undefined,
  logger: PolarLogger,
  now: () => number,
): SessionRevocationStore | undefined {
  if (!store) return undefined;
  const why = (error: unknown) => {
    const code = (error as { code?: string })?.code;
    if (code === "STORE_UNAVAILABLE") return `${code}: ${(error as Error).message}`;
    return code ?? (error as Error)?.name ?? "error";
  };
  let loggedAt = Number.NEGATIVE_INFINITY;
  return {
    async revoke(sessionId, untilEpochSeconds) {
      try {
        const result = await store.revoke(sessionId, untilEpochSeconds);
        if (result === "pending") {
          logger.warn(
            "a session's revocation is pending: this instance refuses the session now, and the store retries writing it for the other instances until it lands.",
          );
        }
        return result;
      } catch (error) {
        logger.error(
          `the revocation store failed to revoke a session (${why(error)}); its cookie was cleared in this browser, but copies stay valid until they expire.`,
        );
        throw error;
      }
    },
    async isRevoked(sessionId) {
      try {
        return await store.isRevoked(sessionId);
      } catch (error) {
        if (now() - loggedAt >= 10_000) {
          loggedAt = now();
          logger.error(
            `the revocation store is unavailable (${why(error)}); treating sessions as ended.`,
          );
        }
        return true;
      }
    },
  };
}

/**
 * A public client cannot introspect, so without `organizations:read` an organization sign-in
 * cannot learn which organization the user picked: say so once, at startup.
 */
function warnIfOrganizationUnknowable(config: PolarConfig, logger: PolarLogger): void {
  if (config.subType !== "organization" || organizationSource(config) !== "none") return;
  logger.warn(
    "subType=organization with a public client (authMethod=none) and no organizations:read scope: sessions will not name the organization the user chose (session.organization stays undefined). Add organizations:read to POLAR_SCOPES, or use a confidential client.",
  );
}

function methodNotAllowed(allow: string): AuthResponse {
  return { status: 405, headers: { ...NO_STORE, allow }, cookies: [], body: "" };
}

function runStartupCheck(
  config: PolarConfig,
  options: PolarAuthOptions,
  logger: PolarAuthOptions["logger"] & object,
): Promise<RegistrationCheck | undefined> {
  if (config.startupCheck === "off") return Promise.resolve(undefined);
  const check = verifyRegistration(config, {
    fetch: options.fetch,
    retries: options.startupCheckRetries,
    retryDelayMs: options.startupCheckRetryDelayMs,
  }).then((result) => {
    // Without a registration token: what the check could not see, and how to let it.
    if (result.unverified) logger.info(`startup check: ${result.unverified}`);
    return result;
  });
  if (config.startupCheck === "warn") {
    return check.catch((error: Error) => {
      logger.warn(`startup check: ${error.message}`);
      return undefined;
    });
  }
  return check;
}
