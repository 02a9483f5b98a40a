import { Cookie, CookieJar } from "tough-cookie";

/** One cookie a `BrowserSession` holds. */
export interface StoredCookie {
  name: string;
  value: string;
  /** The host it was set by (host-only cookies; ports are not part of a cookie's scope). */
  domain: string;
  path: string;
  secure: boolean;
}

/**
 * The cookies a browser would keep (RFC 6265 rules from `tough-cookie`: Path, Domain, Max-Age,
 * Expires, Secure on localhost, `__Host-`/`__Secure-` prefixes). `completeAuthorization` makes
 * a fresh one per call; pass the same instance to several calls to keep the Polar session (e.g.
 * to test `prompt=none`). Tests use it as their browser's jar too.
 */
export class BrowserSession {
  #jar: CookieJar;

  constructor(jar: CookieJar = new CookieJar()) {
    this.#jar = jar;
  }

  /** Stores the cookies of `Set-Cookie` headers received from `url` (invalid ones are ignored, as browsers do). */
  store(setCookieHeaders: string[], url: URL): void {
    for (const header of setCookieHeaders) {
      this.#jar.setCookieSync(header, url, { ignoreError: true });
    }
  }

  /** The `Cookie` header value for a request to `url` (longest paths first), or undefined. */
  header(url: URL): string | undefined {
    return this.#jar.getCookieStringSync(url) || undefined;
  }

  /** Every cookie held, for any host and path. */
  list(): StoredCookie[] {
    return (this.#jar.serializeSync()?.cookies ?? []).map((c) => ({
      name: String(c.key ?? ""),
      value: String(c.value ?? ""),
      domain: String(c.domain ?? ""),
      path: String(c.path ?? "/"),
      secure: c.secure === true,
    }));
  }

  /** Replaces (or adds) a cookie as its host would set it: keeps its path and Secure flag. */
  set(cookie: StoredCookie): void {
    const replacement = new Cookie({
      key: cookie.name,
      value: cookie.value,
      path: cookie.path,
      secure: cookie.secure,
    });
    const url = `${cookie.secure ? "https" : "http"}://${cookie.domain}${cookie.path}`;
    this.#jar.setCookieSync(replacement, url);
  }

  /** An independent copy holding the same cookies (e.g. an attacker who stole them). */
  clone(): BrowserSession {
    return new BrowserSession(this.#jar.cloneSync());
  }

  /** Forgets every cookie (like signing out by clearing the browser). */
  clear(): void {
    this.#jar.removeAllCookiesSync();
  }
}
