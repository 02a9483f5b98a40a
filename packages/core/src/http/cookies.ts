/** Attributes of a cookie the kit sets. */
export interface CookieAttributes {
  path: string;
  maxAgeSeconds: number;
  secure: boolean;
  httpOnly?: boolean;
  sameSite?: "Lax" | "Strict";
}

/** Finds one cookie's raw value in a `Cookie` header; the first occurrence wins. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const prefix = `${name}=`;
  for (const part of header.split(";")) {
    const trimmed = part.trim();
    if (trimmed.startsWith(prefix)) return trimmed.slice(prefix.length);
  }
  return undefined;
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
