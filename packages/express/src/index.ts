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
import type { NextFunction, Request, RequestHandler, Response } from "express";

declare global {
  namespace Express {
    interface Request {
      /** Set by `polarAuth()`: the session, `getAccessToken()` and `api` (Polar's API as the user). */
      polar: PolarRequestContext;
    }
  }
}

/** The middleware `polarAuth()` returns, with the kit and its startup check attached. */
export interface PolarExpressMiddleware extends RequestHandler {
  /** Settles when the startup check is done; await it before `listen` to exit cleanly on a mismatch. */
  ready: PolarAuth["ready"];
  /** The framework-free kit underneath. */
  auth: PolarAuth;
}

/**
 * "Sign in with Polar" for Express: `app.use(polarAuth())` mounts `GET /auth/login`, the
 * callback (the redirect URI's path), `POST /auth/logout` and `GET /auth/me`, and sets
 * `req.polar` on every other request. Config defaults to `loadPolarConfig()`. A response that
 * gets a session cookie (a refresh, a sliding expiry) leaves with `Cache-Control: private,
 * no-store`, whatever the app sets (enforced when the headers are written).
 */
export function polarAuth(
  config?: PolarConfig,
  options?: PolarAuthOptions,
): PolarExpressMiddleware {
  const auth = createPolarAuth(config ?? loadPolarConfig(), options);
  const middleware = async (req: Request, res: Response, next: NextFunction) => {
    try {
      const request = toAuthRequest(req);
      const response = await auth.handle(request);
      if (response) return send(res, response);
      req.polar = await auth.context(request, (cookie) => {
        res.append("Set-Cookie", cookie);
        keepSessionResponsePrivate(res);
      });
      next();
    } catch (error) {
      next(error);
    }
  };
  return Object.assign(middleware, { ready: auth.ready, auth });
}

/**
 * Protects the routes after it: signed-out page requests go to login and come back, API
 * requests get 401 JSON; `scopes` must all have been granted (else 403).
 */
export function requireAuth(options: { scopes?: readonly string[] } = {}): RequestHandler {
  return (req, res, next) => {
    if (!req.polar) return next(new Error("requireAuth() needs app.use(polarAuth()) before it."));
    const denial = req.polar.authorize(options.scopes);
    if (denial) return send(res, denial);
    next();
  };
}

/** Shorthand for `requireAuth({ scopes })`. */
export function requireScopes(...scopes: string[]): RequestHandler {
  return requireAuth({ scopes });
}

function toAuthRequest(req: Request): AuthRequest {
  return {
    method: req.method,
    url: req.originalUrl,
    headers: {
      cookie: req.headers.cookie,
      origin: req.headers.origin,
      accept: req.headers.accept,
      "sec-fetch-site": header(req.headers["sec-fetch-site"]),
    },
  };
}

function send(res: Response, response: AuthResponse): void {
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  for (const cookie of response.cookies) res.append("Set-Cookie", cookie);
  if (response.cookies.length > 0) {
    keepSessionResponsePrivate(res, response.headers["cache-control"]);
  }
  res.end(response.body ?? "");
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
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
