/**
 * The prefix that makes a browser accept a cookie only when it is Secure, `Path=/` and has no
 * `Domain` (RFC 6265bis): a sibling origin (`evil.example.com`) cannot set one for the app's
 * host, nor shadow it with a longer path. `__Secure-` would not do: it allows `Domain`.
 */
export const HOST_PREFIX = "__Host-";

/**
 * The name a kit cookie goes by: `__Host-<name>` over https, the bare name over http (a
 * localhost app, where browsers refuse `__Host-` cookies). A configured name that already
 * starts with `__Host-` or `__Secure-` (in any case, as browsers compare them) is not
 * prefixed twice.
 */
export function cookieNameFor(configured: string, secure: boolean): string {
  const bare = configured.replace(/^__(host|secure)-/i, "");
  return secure ? `${HOST_PREFIX}${bare}` : bare;
}

/** Attributes of a cookie the kit sets. */
export interface CookieAttributes {
  path: string;
  maxAgeSeconds: number;
  secure: boolean;
  httpOnly?: boolean;
  sameSite?: "Lax" | "Strict";
}

/**
 * Finds one cookie's raw value in a `Cookie` header; the first occurrence wins. Runs on every
 * request, so it scans in place instead of splitting the header into parts.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const length = header.length;
  let start = 0;
  while (start < length) {
    while (start < length && isSpace(header.charCodeAt(start))) start++;
    let end = header.indexOf(";", start);
    if (end === -1) end = length;
    if (header.charCodeAt(start + name.length) === EQUALS && header.startsWith(name, start)) {
      let stop = end;
      while (stop > start && isSpace(header.charCodeAt(stop - 1))) stop--;
      return header.slice(start + name.length + 1, stop);
    }
    start = end + 1;
  }
  return undefined;
}

const EQUALS = 61;

/** Whitespace `String.prototype.trim` would remove around a cookie (HTTP headers only have these). */
function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 11;
}

/** Serializes a `Set-Cookie` value. Names and values must be cookie-safe (callers' own). */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  let cookie = `${name}=${value}; Path=${attributes.path}; Max-Age=${Math.max(0, Math.floor(attributes.maxAgeSeconds))}`;
  if (attributes.maxAgeSeconds <= 0) cookie += "; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
  if (attributes.httpOnly !== false) cookie += "; HttpOnly";
  if (attributes.secure) cookie += "; Secure";
  cookie += `; SameSite=${attributes.sameSite ?? "Lax"}`;
  return cookie;
}

/** A `Set-Cookie` value that deletes the cookie at that path. */
export function clearCookie(name: string, path: string, secure: boolean): string {
  return serializeCookie(name, "", { path, maxAgeSeconds: 0, secure });
}
