interface StoredCookie {
  name: string;
  value: string;
  path: string;
  expiresAt: number | null;
}

function defaultPath(url: URL): string {
  const path = url.pathname;
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

/**
 * The cookies a browser would keep for the emulator. `completeAuthorization` makes a fresh one per
 * call; pass the same instance to several calls to keep the Polar session (e.g. to test `prompt=none`).
 */
export class BrowserSession {
  readonly #cookies = new Map<string, StoredCookie>();

  /** Stores the cookies of `Set-Cookie` headers received from `url`. */
  store(setCookieHeaders: string[], url: URL): void {
    for (const header of setCookieHeaders) {
      const [pair = "", ...attributes] = header.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const cookie: StoredCookie = {
        name: pair.slice(0, eq).trim(),
        value: pair.slice(eq + 1).trim(),
        path: defaultPath(url),
        expiresAt: null,
      };
      for (const attribute of attributes) {
        const [rawKey = "", ...rest] = attribute.split("=");
        const key = rawKey.trim().toLowerCase();
        const value = rest.join("=").trim();
        if (key === "path" && value.startsWith("/")) cookie.path = value;
        else if (key === "max-age" && /^-?\d+$/.test(value))
          cookie.expiresAt = Date.now() + Number(value) * 1000;
        else if (key === "expires" && cookie.expiresAt === null) {
          const time = Date.parse(value);
          if (!Number.isNaN(time)) cookie.expiresAt = time;
        }
      }
      const key = `${cookie.name}\u0000${cookie.path}`;
      if (cookie.expiresAt !== null && cookie.expiresAt <= Date.now()) this.#cookies.delete(key);
      else this.#cookies.set(key, cookie);
    }
  }

  /** The `Cookie` header value for a request to `url` (longest paths first), or undefined. */
  header(url: URL): string | undefined {
    const now = Date.now();
    const matching = [...this.#cookies.values()]
      .filter(
        (c) => (c.expiresAt === null || c.expiresAt > now) && pathMatches(url.pathname, c.path),
      )
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length > 0 ? matching.map((c) => `${c.name}=${c.value}`).join("; ") : undefined;
  }

  /** Forgets every cookie (like signing out by clearing the browser). */
  clear(): void {
    this.#cookies.clear();
  }
}
