import { BrowserSession, type StoredCookie } from "@polar-oauth/emulator";

/**
 * A cookie-keeping HTTP client that behaves like a browser towards the apps under test: its jar
 * is the emulator's `BrowserSession` (tough-cookie), and it never follows redirects on its own
 * so tests can look at each hop.
 */
export class TestBrowser {
  constructor(readonly jar: BrowserSession = new BrowserSession()) {}

  /** Sends a request with the cookies that match its URL; stores what comes back. */
  async request(
    url: string | URL,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<Response> {
    const target = new URL(url);
    const headers: Record<string, string> = { accept: "text/html", ...init.headers };
    const cookie = this.jar.header(target);
    if (cookie) headers.cookie = cookie;
    const response = await fetch(target, { ...init, headers, redirect: "manual" });
    this.jar.store(response.headers.getSetCookie(), target);
    return response;
  }

  get(url: string | URL, headers?: Record<string, string>): Promise<Response> {
    return this.request(url, { headers });
  }

  post(url: string | URL, headers?: Record<string, string>): Promise<Response> {
    return this.request(url, { method: "POST", headers });
  }

  /** The Cookie header this browser would send to `url` ("" when none). */
  cookieHeader(url: URL): string {
    return this.jar.header(url) ?? "";
  }

  /** A snapshot of every cookie held; change one with `setCookie`. */
  get cookies(): StoredCookie[] {
    return this.jar.list();
  }

  cookie(name: string): StoredCookie | undefined {
    return this.cookies.find((c) => c.name === name);
  }

  /** Replaces or adds a cookie (keeps its host, path and Secure flag), e.g. to tamper with it. */
  setCookie(cookie: StoredCookie): void {
    this.jar.set(cookie);
  }

  /** Copies this browser's cookies (e.g. to replay them from an attacker's side). */
  clone(): TestBrowser {
    return new TestBrowser(this.jar.clone());
  }
}

/** A response's JSON body, loosely typed for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
export async function jsonOf(response: Response): Promise<any> {
  return response.json();
}
