import {
  type AuthRequest,
  type AuthResponse,
  createPolarAuth,
  keepSessionResponsePrivate,
  loadPolarConfig,
  type PolarAuth,
  type PolarAuthOptions,
  type PolarConfig,
  type PolarRequestContext,
} from "@polar-oauth/core";
import type { Context, Middleware } from "koa";

declare module "koa" {
  interface DefaultState {
    /** Set by `polarAuth()`: the session, `getAccessToken()` and `api` (Polar's API as the user). */
    polar: PolarRequestContext;
  }
}

/** The middleware `polarAuth()` returns, with the kit and its startup check attached. */
export interface PolarKoaMiddleware extends Middleware {
  /** Settles when the startup check is done; await it before `listen` to exit cleanly on a mismatch. */
  ready: PolarAuth["ready"];
  /** The framework-free kit underneath. */
  auth: PolarAuth;
}

/**
 * "Sign in with Polar" for Koa: `app.use(polarAuth())` mounts `GET /auth/login`, the callback
 * (the redirect URI's path), `POST /auth/logout` and `GET /auth/me`, and sets
 * `ctx.state.polar` on every other request. A response that gets a session cookie (a refresh,
 * a sliding expiry) leaves with `Cache-Control: private, no-store`, whatever the app sets
 * (enforced when the headers are written). When a later middleware throws, Koa's error
 * handling drops those cookies: they are never put on the error (it reaches loggers, and a
 * shared error instance would carry one user's session to the next). The next request
 * re-issues them (a refresh from its grace window).
 */
export function polarAuth(config?: PolarConfig, options?: PolarAuthOptions): PolarKoaMiddleware {
  const auth = createPolarAuth(config ?? loadPolarConfig(), options);
  const middleware: Middleware = async (ctx, next) => {
    const request = toAuthRequest(ctx);
    const response = await auth.handle(request);
    if (response) return send(ctx, response);
    ctx.state.polar = await auth.context(request, (cookie) => {
      ctx.append("Set-Cookie", cookie);
      keepSessionResponsePrivate(ctx.res);
    });
    await next();
  };
  return Object.assign(middleware, { ready: auth.ready, auth });
}

/**
 * Protects the routes after it: signed-out page requests go to login and come back, API
 * requests get 401 JSON; `scopes` must all have been granted (else 403).
 */
export function requireAuth(options: { scopes?: readonly string[] } = {}): Middleware {
  return async (ctx, next) => {
    const polar = ctx.state.polar as PolarRequestContext | undefined;
    if (!polar) throw new Error("requireAuth() needs app.use(polarAuth()) before it.");
    const denial = polar.authorize(options.scopes);
    if (denial) return send(ctx, denial);
    await next();
  };
}

/** Shorthand for `requireAuth({ scopes })`. */
export function requireScopes(...scopes: string[]): Middleware {
  return requireAuth({ scopes });
}

function toAuthRequest(ctx: Context): AuthRequest {
  // Node's header object directly (ctx.get per header costs more, on every request).
  const headers = ctx.req.headers;
  return {
    method: ctx.method,
    url: ctx.originalUrl,
    headers: {
      cookie: headers.cookie || undefined,
      origin: headers.origin || undefined,
      accept: headers.accept || undefined,
      "sec-fetch-site": first(headers["sec-fetch-site"]) || undefined,
    },
  };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function send(ctx: Context, response: AuthResponse): void {
  ctx.status = response.status;
  ctx.set(response.headers);
  for (const cookie of response.cookies) ctx.append("Set-Cookie", cookie);
  if (response.cookies.length > 0) {
    keepSessionResponsePrivate(ctx.res, response.headers["cache-control"]);
  }
  ctx.body = response.body ?? "";
}

export type {
  PolarApi,
  PolarAuthOptions,
  PolarConfig,
  PolarRequestContext,
  PolarSession,
} from "@polar-oauth/core";
export {
  PolarInsufficientScopeError,
  PolarSessionEndedError,
} from "@polar-oauth/core";
