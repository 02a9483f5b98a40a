import { CookieJar } from "tough-cookie";

/**
 * A browser for an app deployed at an https origin (`https://app.example.com`, behind a
 * TLS-terminating proxy) while the test server listens on plain http: cookies are kept by
 * tough-cookie for the public https URL, so Secure, Domain, Path and the `__Host-` /
 * `__Secure-` prefix rules apply exactly as a browser applies them; requests go to the
 * listening server with the Cookie header the jar builds.
 */
export class JarBrowser {
  readonly jar = new CookieJar(undefined, { prefixSecurity: "silent" });

  constructor(
    /** The app's public origin, e.g. `https://app.example.com`. */
    readonly origin: string,
    /** Where the app really listens, e.g. `http://127.0.0.1:4321`. */
    readonly server: string,
  ) {}

  /** The app's public URL for a path (or an absolute URL on its origin). */
  publicUrl(path: string | URL): URL {
    return new URL(path, this.origin);
  }

  /** GET (or another method) on the app; stores what it sets. Never follows redirects. */
  async request(
    path: string | URL,
    init: { method?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const url = this.publicUrl(path);
    const cookie = await this.jar.getCookieString(url.href);
    const target = new URL(url.pathname + url.search, this.server);
    const headers: Record<string, string> = { accept: "text/html", ...init.headers };
    if (cookie) headers.cookie = cookie;
    const response = await fetch(target, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      await this.jar.setCookie(line, url.href, { ignoreError: true });
    }
    return response;
  }

  get(path: string | URL, headers?: Record<string, string>): Promise<Response> {
    return this.request(path, { headers });
  }

  /** A response from another origin (`https://evil.example.com/`) tries to set this cookie. */
  async plant(setCookie: string, from: string): Promise<void> {
    await this.jar.setCookie(setCookie, from, { ignoreError: true });
  }

  /** The Cookie header this browser sends to a path of the app. */
  cookieHeader(path = "/"): Promise<string> {
    return this.jar.getCookieString(this.publicUrl(path).href);
  }

  /** The cookies this browser holds for the app (name → value), as sent to `path`. */
  async cookies(path = "/"): Promise<Array<{ name: string; value: string }>> {
    return (await this.jar.getCookies(this.publicUrl(path).href)).map((c) => ({
      name: c.key,
      value: c.value,
    }));
  }
}
