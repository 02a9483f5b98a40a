/**
 * A tiny cookie-keeping HTTP client that behaves like a browser towards one app: it stores
 * Set-Cookie (honouring Path and Max-Age=0), sends matching cookies, and never follows
 * redirects on its own so tests can look at each hop.
 */
export interface StoredCookie {
  name: string;
  value: string;
  path: string;
  host: string;
}

export class TestBrowser {
  cookies: StoredCookie[] = [];

  /** Sends a request with the cookies that match its URL; stores what comes back. */
  async request(
    url: string | URL,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<Response> {
    const target = new URL(url);
    const headers: Record<string, string> = { accept: "text/html", ...init.headers };
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    const response = await fetch(target, { ...init, headers, redirect: "manual" });
    this.store(target, response.headers.getSetCookie());
    return response;
  }

  get(url: string | URL, headers?: Record<string, string>): Promise<Response> {
    return this.request(url, { headers });
  }

  post(url: string | URL, headers?: Record<string, string>): Promise<Response> {
    return this.request(url, { method: "POST", headers });
  }

  cookieHeader(url: URL): string {
    return this.cookies
      .filter((c) => c.host === url.host && pathMatches(url.pathname, c.path))
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  }

  cookie(name: string): StoredCookie | undefined {
    return this.cookies.find((c) => c.name === name);
  }

  /** Copies this browser's cookies (e.g. to replay them from an attacker's side). */
  clone(): TestBrowser {
    const copy = new TestBrowser();
    copy.cookies = this.cookies.map((c) => ({ ...c }));
    return copy;
  }

  private store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = "/";
      let expired = false;
      for (const attribute of attributes) {
        const [key = "", val = ""] = attribute.split("=");
        if (key.toLowerCase() === "path") path = val;
        if (key.toLowerCase() === "max-age" && Number(val) <= 0) expired = true;
      }
      this.cookies = this.cookies.filter(
        (c) => !(c.name === name && c.path === path && c.host === url.host),
      );
      if (!expired) this.cookies.push({ name, value, path, host: url.host });
    }
  }
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  return (
    requestPath === cookiePath ||
    (requestPath.startsWith(cookiePath) &&
      (cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/"))
  );
}

/** A response's JSON body, loosely typed for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
export async function jsonOf(response: Response): Promise<any> {
  return response.json();
}
