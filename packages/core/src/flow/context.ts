import type * as oidc from "openid-client";
import type { PolarConfig } from "../config/schema.js";
import type { AuthResponse } from "../http/types.js";
import type { SessionStore } from "../session/store.js";
import type { PolarStateStore, ReplayGuard } from "../state/store.js";
import type { PolarAuthOptions, PolarLogger } from "./options.js";
import type { createTokenRefresher } from "./refresh.js";
import type { TransactionCookies } from "./transaction.js";

/** The routes the kit answers, as absolute paths. */
export interface PolarRoutes {
  login: string;
  callback: string;
  logout: string;
  me: string;
}

/** Everything the flow steps share; built once per {@link createPolarAuth}. */
export interface FlowContext {
  config: PolarConfig;
  options: PolarAuthOptions;
  routes: PolarRoutes;
  /** Origin of the redirect URI: the app's own origin. */
  appOrigin: string;
  secure: boolean;
  logger: PolarLogger;
  now: () => number;
  client: () => Promise<oidc.Configuration>;
  sessions: SessionStore;
  transactions: TransactionCookies;
  replay: ReplayGuard;
  /** The shared state store, when the app passed one (`store` option). */
  store: PolarStateStore | undefined;
  refresher: ReturnType<typeof createTokenRefresher>;
}

/** Headers on every response the kit writes itself. */
export const NO_STORE = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
} as const;

/** A redirect response. */
export function redirect(location: string, cookies: string[] = [], status = 302): AuthResponse {
  return { status, headers: { ...NO_STORE, location }, cookies };
}

/** A JSON response. */
export function json(status: number, body: unknown, cookies: string[] = []): AuthResponse {
  return {
    status,
    headers: { ...NO_STORE, "content-type": "application/json; charset=utf-8" },
    cookies,
    body: JSON.stringify(body),
  };
}

/** An HTML response with a strict content security policy. */
export function html(status: number, body: string, cookies: string[] = []): AuthResponse {
  return {
    status,
    headers: {
      ...NO_STORE,
      "content-type": "text/html; charset=utf-8",
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    },
    cookies,
    body,
  };
}

/** True when the client wants JSON rather than a page (fetch/XHR callers). */
export function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.includes("application/json") && !accept.includes("text/html");
}

/** True when the client asked for a page (a browser navigation sends `Accept: text/html`). */
export function acceptsHtml(accept: string | undefined): boolean {
  return accept?.includes("text/html") === true;
}
