import { once } from "node:events";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import type { PolarAuthOptions, PolarConfig } from "@polar-oauth/core";
import * as polarExpress from "@polar-oauth/express";
import * as polarKoa from "@polar-oauth/koa";
import express from "express";
import Koa from "koa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORKS, type Framework } from "../support/apps.js";
import { closeAfterEach } from "../support/close-after-each.js";
import {
  collectingLogger,
  hostileConfig,
  hostileSignIn,
  rawRequest,
  rawSetCookies,
  SESSION_SECRET,
  TestBrowser,
} from "./support/harness.js";
import { type HostilePolar, startHostilePolar } from "./support/hostile-polar.js";
import { fakeClock } from "./support/seals.js";

/**
 * The responses that carry a session cookie the kit added to an app's response (a rolling
 * re-issue, a token refresh): issue 12, items 1, 3 and 5.
 *
 * - Koa never writes those cookies onto an error a later middleware throws (it reaches
 *   `app.on('error')` loggers, and a shared error instance would carry one user's cookie to
 *   the next user).
 * - Inside the refresh grace window every request with the old cookie gets the *same* sealed
 *   cookie: one seal per refresh.
 * - Such responses leave with `Cache-Control: private, no-store` whatever the app sets, when or
 *   however it sets it (issue 21, item 3).
 */
let hostile: HostilePolar;
beforeAll(async () => {
  hostile = await startHostilePolar();
});
afterAll(() => hostile.close());

const closers = closeAfterEach();

const DAY = 86_400;
/** Long sessions, so the fake clock can pass the access token's 10-day expiry. */
const LONG_SESSION = {
  secrets: SESSION_SECRET,
  idleTimeoutSeconds: 30 * DAY,
  absoluteTimeoutSeconds: 60 * DAY,
};

/** One error instance every request of the app throws (`const NotFound = createError(404)`). */
interface SharedError extends Error {
  status: number;
  expose: boolean;
  headers?: Record<string, unknown>;
}

/**
 * An app with: `/page` (nothing about caching), `/own-cache` (sets `Cache-Control: public,
 * max-age=600, s-maxage=600` itself), `/write-head` (passes `public` to `writeHead`), for Koa
 * `/late-cache` (an earlier middleware sets `public` after the kit ran), `/token` (getAccessToken), `/shared-error` (throws one shared error instance) and
 * an error logger (`app.on('error')` for Koa, an error middleware for Express). A middleware
 * before the kit sets `Cache-Control: public, max-age=600` on every response.
 */
async function startApp(framework: Framework, options: PolarAuthOptions) {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config: PolarConfig = hostileConfig(hostile, { session: LONG_SESSION })(url);
  const logged: unknown[] = [];
  const shared = Object.assign(new Error("Not Found"), {
    status: 404,
    expose: true,
  }) as SharedError;
  const listener = framework === "express" ? expressApp() : koaApp();
  server.on("request", listener);
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url, logged, shared };

  function expressApp(): RequestListener {
    const app = express();
    app.use((_req, res, next) => {
      res.set("Cache-Control", "public, max-age=600");
      next();
    });
    app.use(polarExpress.polarAuth(config, options));
    app.get("/page", (_req, res) => {
      res.send("page");
    });
    app.get("/own-cache", (_req, res) => {
      res.set("Cache-Control", "public, max-age=600, s-maxage=600").send("own");
    });
    app.get("/write-head", (_req, res) => {
      res.writeHead(200, { "Cache-Control": "public, max-age=600" }).end("raw");
    });
    app.get("/token", async (req, res) => {
      res.json({ accessToken: await req.polar.getAccessToken() });
    });
    app.get("/shared-error", () => {
      throw shared;
    });
    app.use(
      (
        error: SharedError,
        _req: express.Request,
        res: express.Response,
        _next: express.NextFunction,
      ) => {
        logged.push(error, inspect(error, { depth: 10 }));
        res.status(error.status ?? 500).send("error");
      },
    );
    return app as unknown as RequestListener;
  }

  function koaApp(): RequestListener {
    const app = new Koa();
    app.silent = true;
    app.on("error", (error) => {
      logged.push(error, inspect(error, { depth: 10 }));
    });
    app.use(async (ctx, next) => {
      ctx.set("Cache-Control", "public, max-age=600");
      await next();
      // A middleware before the kit that sets caching again on the way out.
      if (ctx.path === "/late-cache") ctx.set("Cache-Control", "public, max-age=600");
    });
    app.use(polarKoa.polarAuth(config, options));
    app.use(async (ctx) => {
      if (ctx.path === "/page" || ctx.path === "/late-cache") ctx.body = "page";
      else if (ctx.path === "/own-cache") {
        ctx.set("Cache-Control", "public, max-age=600, s-maxage=600");
        ctx.body = "own";
      } else if (ctx.path === "/write-head") {
        ctx.respond = false;
        ctx.res.writeHead(200, { "Cache-Control": "public, max-age=600" }).end("raw");
      } else if (ctx.path === "/token") {
        ctx.body = { accessToken: await ctx.state.polar.getAccessToken() };
      } else if (ctx.path === "/shared-error") throw shared;
    });
    return app.callback() as RequestListener;
  }
}

const sessionCookie = (setCookies: string[]) =>
  // Browsers apply Set-Cookie in order: the last one for the session counts.
  setCookies.findLast((c) => /^polar_session=[^;]/.test(c));
const sealOf = (setCookie: string | undefined) => setCookie?.split(";")[0]?.split("=")[1];

describe.each(FRAMEWORKS)("session cookies on app responses through %s", (framework) => {
  const signedIn = async () => {
    const clock = fakeClock();
    const app = await startApp(framework, { now: clock.now, logger: collectingLogger() });
    const browser = new TestBrowser();
    const { callback } = await hostileSignIn(browser, app);
    expect(callback.status).toBe(302);
    return { app, browser, clock };
  };

  it("an error thrown after a re-issue never carries the session cookie to an error logger", async () => {
    const { app, browser, clock } = await signedIn();
    const seal = browser.cookie("polar_session")!.value;
    clock.advance(2 * 3600); // past the rolling interval: this request re-issues the cookie
    const answer = await browser.get(`${app.url}/shared-error`);
    expect(answer.status).toBe(404);
    await answer.body?.cancel();
    expect(app.logged.length).toBeGreaterThan(0);
    for (const entry of app.logged) {
      const text = typeof entry === "string" ? entry : inspect(entry, { depth: 10 });
      expect(text).not.toMatch(/Fe26\.2\*/);
      expect(text).not.toContain(seal);
    }
    expect(app.shared.headers).toBeUndefined();
  });

  it("a shared error instance thrown for two users never gives the first user's cookie to the second", async () => {
    const { app, browser: alice, clock } = await signedIn();
    // Alice (signed in, cookie due for re-issue) hits the shared error first…
    clock.advance(2 * 3600);
    const first = await alice.get(`${app.url}/shared-error`);
    expect(first.status).toBe(404);
    await first.body?.cancel();
    // …then an anonymous visitor hits it.
    const visitor = new TestBrowser();
    const answer = await visitor.get(`${app.url}/shared-error`);
    expect(answer.status).toBe(404);
    await answer.body?.cancel();
    expect(answer.headers.getSetCookie()).toEqual([]);
    expect(visitor.cookies).toEqual([]);
    const me = await visitor.get(`${app.url}/auth/me`, { accept: "application/json" });
    expect(me.status).toBe(401);
  });

  it("inside the refresh grace window every request with the old cookie gets the same sealed cookie", async () => {
    const { app, browser, clock } = await signedIn();
    const old = browser.cookieHeader(new URL(app.url));
    const before = hostile.record.tokenRequests.length;
    clock.advance(10 * DAY + 60); // the access token expired: the next token request refreshes
    const answers = [];
    for (let i = 0; i < 5; i++) {
      answers.push(await rawRequest(app.url, { path: "/token", headers: { cookie: old } }));
    }
    const cookies = answers.map((a) => sessionCookie(rawSetCookies(a.headers)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(cookies.map(sealOf)).size).toBe(1);
    expect(sealOf(cookies[0])).not.toBe(old.split("=")[1]);
    const refreshes = hostile.record.tokenRequests
      .slice(before)
      .filter((r) => r.params.get("grant_type") === "refresh_token");
    expect(refreshes).toHaveLength(1);
    // The one new cookie works and needs no further refresh.
    const next = await rawRequest(app.url, {
      path: "/token",
      headers: { cookie: cookies[0]!.split(";")[0]! },
    });
    expect(next.status).toBe(200);
    expect(JSON.parse(next.body).accessToken).toBe(JSON.parse(answers[0]!.body).accessToken);
  });

  it("a response carrying a re-issued or refreshed session cookie says Cache-Control: private, no-store", async () => {
    const { app, browser, clock } = await signedIn();
    // No cookie added: the app's own caching stays as it set it.
    const plain = await browser.get(`${app.url}/page`);
    expect(plain.headers.getSetCookie()).toEqual([]);
    expect(plain.headers.get("cache-control")).toBe("public, max-age=600");
    await plain.body?.cancel();
    // A rolling re-issue overrides what a middleware before the kit set.
    clock.advance(2 * 3600);
    const rolled = await browser.get(`${app.url}/page`);
    expect(sessionCookie(rolled.headers.getSetCookie())).toBeDefined();
    expect(rolled.headers.get("cache-control")).toBe("private, no-store");
    await rolled.body?.cancel();
    // A refresh inside a handler, too.
    clock.advance(10 * DAY);
    const refreshed = await browser.get(`${app.url}/token`);
    expect(refreshed.status).toBe(200);
    expect(sessionCookie(refreshed.headers.getSetCookie())).toBeDefined();
    expect(refreshed.headers.get("cache-control")).toBe("private, no-store");
    await refreshed.body?.cancel();
  });

  it.each(["/own-cache", "/write-head", ...(framework === "koa" ? ["/late-cache"] : [])])(
    "a route setting Cache-Control: public after the kit added a cookie still leaves with private, no-store (%s)",
    async (path) => {
      const { app, browser, clock } = await signedIn();
      clock.advance(2 * 3600); // the rolling re-issue adds a cookie to this response
      const answer = await browser.get(`${app.url}${path}`);
      expect(answer.status).toBe(200);
      expect(sessionCookie(answer.headers.getSetCookie())).toBeDefined();
      expect(answer.headers.get("cache-control")).toBe("private, no-store");
      await answer.body?.cancel();
      // Without a kit cookie the same route keeps what the app set.
      const plain = await browser.get(`${app.url}${path}`);
      expect(plain.headers.getSetCookie()).toEqual([]);
      expect(plain.headers.get("cache-control")).toMatch(/^public, max-age=600/);
      await plain.body?.cancel();
    },
  );

  it("a kit answer carrying a cookie keeps its own Cache-Control: no-store", async () => {
    const app = await startApp(framework, { logger: collectingLogger() });
    const login = await new TestBrowser().get(`${app.url}/auth/login`);
    expect(login.status).toBe(302);
    expect(login.headers.getSetCookie().length).toBeGreaterThan(0);
    expect(login.headers.get("cache-control")).toBe("no-store");
  });
});
