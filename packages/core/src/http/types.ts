/**
 * A request as core sees it: what an adapter copies from its framework. Core never sees an
 * Express or Koa object.
 */
export interface AuthRequest {
  /** HTTP method, upper case. */
  method: string;
  /** Path and query as received, e.g. `/auth/callback?code=…&state=…`. */
  url: string;
  /** The request headers core reads (lower-case names). */
  headers: {
    cookie?: string | undefined;
    origin?: string | undefined;
    accept?: string | undefined;
    "sec-fetch-site"?: string | undefined;
  };
}

/** What core answers; the adapter writes it out verbatim. */
export interface AuthResponse {
  status: number;
  headers: Record<string, string>;
  /** `Set-Cookie` header values, one per cookie. */
  cookies: string[];
  body?: string;
}

/**
 * Receives `Set-Cookie` values that core wants on the current response. The adapter appends
 * the cookie and makes the response leave with `Cache-Control` {@link SESSION_COOKIE_CACHE_CONTROL}
 * whatever the app sets later (`keepSessionResponsePrivate`), so no shared cache stores a
 * response carrying someone's session.
 */
export type SetCookie = (cookie: string) => void;

/** `Cache-Control` of an app response that carries a session cookie the kit added. */
export const SESSION_COOKIE_CACHE_CONTROL = "private, no-store";
