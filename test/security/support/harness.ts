import { once } from "node:events";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import {
  definePolarConfig,
  type PolarAuthOptions,
  type PolarConfig,
  type PolarConfigInput,
  type PolarLogger,
} from "@polar-oauth/core";
import { expect } from "vitest";
import { createAppListener, type Framework, type KitApp, startApp } from "../../support/apps.js";
import { TestBrowser } from "../../support/browser.js";
import type { HostilePolar } from "./hostile-polar.js";

/** The session secret of the security suites: recognisable in any leak scan. */
export const SESSION_SECRET = "hostile-suite-session-secret-7f3a9c1e5b2d4f60";

/** A stack frame as Node prints it (`at fn (file.ts:12:34)`). */
export const STACK_TRACE = /\bat .*:\d+:\d+/;

/** A logger that keeps every line (and the level) for leak scans. */
export function collectingLogger(): PolarLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

/** A config for an app at `origin` signing in with the hostile server's client. */
export function hostileConfig(
  hostile: Pick<HostilePolar, "url" | "clientId" | "clientSecret">,
  overrides: Partial<PolarConfigInput> = {},
): (origin: string) => PolarConfig {
  return (origin) =>
    definePolarConfig({
      environment: "development",
      server: hostile.url,
      clientId: hostile.clientId,
      clientSecret: hostile.clientSecret,
      authMethod: "client_secret_post",
      redirectUri: `${origin}/auth/callback`,
      scopes: "openid profile email",
      session: { secrets: SESSION_SECRET },
      startupCheck: "off",
      timeoutMs: 2000,
      ...overrides,
    });
}

/** A test app on the hostile server, with a collecting logger unless `options.logger` is set. */
export async function startHostileApp(
  framework: Framework,
  hostile: HostilePolar,
  overrides: Partial<PolarConfigInput> = {},
  options: PolarAuthOptions = {},
): Promise<KitApp & { logs: string[]; config: PolarConfig }> {
  const logger = collectingLogger();
  let config!: PolarConfig;
  const app = await startApp(
    framework,
    (origin) => {
      config = hostileConfig(hostile, overrides)(origin);
      return config;
    },
    { logger, ...options },
  );
  return Object.assign(app, { logs: logger.lines, config });
}

/**
 * "Restarts" an app: closes its server and serves a fresh kit with `config` on the same port
 * (no memory of the previous instance: replay guard, caches, openid-client configuration).
 */
export async function restartApp(
  framework: Framework,
  app: KitApp,
  config: PolarConfig,
  options: PolarAuthOptions = {},
): Promise<KitApp> {
  const port = Number(new URL(app.url).port);
  await app.close();
  // Let clients notice the closed keep-alive sockets before the next request.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const { listener, ready } = createAppListener(framework, config, options);
  ready.catch(() => {});
  const server = createServer(listener);
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    ready,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Every hop of a sign-in against the hostile server. */
export interface HostileSignIn {
  login: Response;
  authorizeUrl: URL;
  callbackUrl: URL;
  callback: Response;
}

/**
 * Signs in through the app and the hostile server: `/auth/login`, the hostile authorize
 * endpoint (which redirects straight back), then the callback with `browser`'s cookies.
 * `beforeCallback` may tamper with the callback URL or the browser first.
 */
export async function hostileSignIn(
  browser: TestBrowser,
  app: { url: string },
  choice: {
    returnTo?: string;
    user?: string;
    beforeCallback?: (callbackUrl: URL, browser: TestBrowser) => void | Promise<void>;
  } = {},
): Promise<HostileSignIn> {
  const { login, callbackUrl, authorizeUrl } = await startHostileLogin(browser, app, choice);
  await choice.beforeCallback?.(callbackUrl, browser);
  const callback = await browser.get(callbackUrl);
  return { login, authorizeUrl, callbackUrl, callback };
}

/** The first half of a sign-in: `/auth/login` and Polar's answer (the callback URL, not yet visited). */
export async function startHostileLogin(
  browser: TestBrowser,
  app: { url: string },
  choice: { returnTo?: string; user?: string } = {},
): Promise<{ login: Response; authorizeUrl: URL; callbackUrl: URL }> {
  const loginUrl = new URL("/auth/login", app.url);
  if (choice.returnTo !== undefined) loginUrl.searchParams.set("returnTo", choice.returnTo);
  const login = await browser.get(loginUrl);
  const location = login.headers.get("location");
  if (login.status !== 302 || !location) {
    throw new Error(`login answered ${login.status}: ${await login.text()}`);
  }
  const authorizeUrl = new URL(location);
  if (choice.user) authorizeUrl.searchParams.set("test_user", choice.user);
  const answer = await fetch(authorizeUrl, { redirect: "manual" });
  await answer.body?.cancel();
  const back = answer.headers.get("location");
  if (answer.status !== 302 || !back) throw new Error(`authorize answered ${answer.status}`);
  return { login, authorizeUrl, callbackUrl: new URL(back) };
}

/** True when a response sets a (non-empty, non-expired) session cookie. */
export function setsSession(response: Response, cookieName = "polar_session"): boolean {
  return response.headers.getSetCookie().some((line) => {
    if (!line.startsWith(`${cookieName}=`)) return false;
    const value = line.slice(cookieName.length + 1).split(";")[0] ?? "";
    return value !== "" && !/Max-Age=0/i.test(line);
  });
}

/** Asserts that none of `secrets` (nor their URL-encoded or base64 forms) appears in `text`. */
export function expectNoSecrets(text: string, secrets: readonly string[], where: string): void {
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    const forms = new Set([
      secret,
      encodeURIComponent(secret),
      Buffer.from(secret).toString("base64"),
      Buffer.from(secret).toString("base64url"),
    ]);
    for (const form of forms) {
      if (text.includes(form)) {
        throw new Error(`${where} contains a secret (${secret.slice(0, 12)}…)`);
      }
    }
  }
}

/** Asserts the `/auth/me` of `browser` answers 401 (signed out). */
export async function expectSignedOut(browser: TestBrowser, app: { url: string }): Promise<void> {
  const me = await browser.get(`${app.url}/auth/me`, { accept: "application/json" });
  expect(me.status).toBe(401);
  await me.body?.cancel();
}

/**
 * A raw request with node:http: the path goes out exactly as given (fetch would normalise
 * `/./`, backslashes and the like), with any headers Node accepts.
 */
export function rawRequest(
  origin: string,
  options: { method?: string; path: string; headers?: Record<string, string> },
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? "GET",
        path: options.path,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Set-Cookie lines of a raw response. */
export function rawSetCookies(headers: Record<string, string | string[] | undefined>): string[] {
  const value = headers["set-cookie"];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

export { TestBrowser };
