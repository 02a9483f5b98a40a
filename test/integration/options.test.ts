import { once } from "node:events";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import {
  localRefreshCoordinator,
  MAX_RETURN_TO_LENGTH,
  memoryReplayGuard,
  type PolarError,
  type PolarLogin,
  PolarLoginRejectedError,
  type PolarStateStore,
  PolarStoreUnavailableError,
} from "@polar-oauth/core";
import * as polarExpress from "@polar-oauth/express";
import * as polarKoa from "@polar-oauth/koa";
import express, { type NextFunction, type Request, type Response } from "express";
import Koa from "koa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collectingLogger,
  hostileConfig,
  hostileSignIn,
  SESSION_SECRET,
  setsSession,
  startHostileApp,
  TestBrowser,
} from "../security/support/harness.js";
import { type HostilePolar, startHostilePolar } from "../security/support/hostile-polar.js";
import { FRAMEWORKS, type Framework } from "../support/apps.js";
import { jsonOf } from "../support/browser.js";
import { closeAfterEach } from "../support/close-after-each.js";

/**
 * The options an app sets (basePath, afterLoginPath, afterLogoutPath, allowGetLogout, data
 * from onLogin), the sign-in that cannot be saved, returnTo at its length limit, and the
 * adapters' error paths, through both adapters.
 */
let hostile: HostilePolar;
beforeAll(async () => {
  hostile = await startHostilePolar();
});
afterAll(() => hostile.close());

const closers = closeAfterEach();

/** Serves `listener` on a free port of 127.0.0.1. */
async function serve(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A shared store kept in this process, with `overrides` (a store that is down). */
function memoryStore(overrides: Partial<PolarStateStore> = {}): PolarStateStore {
  return { refresh: localRefreshCoordinator(), replay: memoryReplayGuard(), ...overrides };
}

/** A sign-in started at `loginPath` (a basePath's login route), ending at the callback. */
async function signInAt(browser: TestBrowser, loginUrl: string): Promise<globalThis.Response> {
  const login = await browser.get(loginUrl);
  expect(login.status).toBe(302);
  const polar = await fetch(login.headers.get("location")!, { redirect: "manual" });
  await polar.body?.cancel();
  return browser.get(polar.headers.get("location")!);
}

describe.each(FRAMEWORKS)("options through %s", (framework) => {
  const start = async (
    ...args: Parameters<typeof startHostileApp> extends [unknown, unknown, ...infer R] ? R : never
  ) => {
    const app = await startHostileApp(framework, hostile, ...args);
    closers.push(() => app.close());
    return app;
  };

  it("basePath moves login, logout and me; the callback stays on the redirect URI", async () => {
    const app = await start({}, { basePath: "/account" });
    const browser = new TestBrowser();
    const callback = await signInAt(browser, `${app.url}/account/login`);
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe(`${app.url}/`);
    expect((await browser.get(`${app.url}/account/me`)).status).toBe(200);
    // The default routes are the app's own now (404 from the framework, not the kit).
    expect((await browser.get(`${app.url}/auth/me`)).status).toBe(404);
    const out = await browser.post(`${app.url}/account/logout`, { origin: app.url });
    expect(out.status).toBe(303);
    expect((await browser.get(`${app.url}/account/me`)).status).toBe(401);
  });

  it("the kit's answers without a body send none (a redirect, a JSON logout's 204)", async () => {
    const app = await start();
    const login = await fetch(`${app.url}/auth/login`, { redirect: "manual" });
    expect(login.status).toBe(302);
    expect(await login.text()).toBe("");
    const out = await fetch(`${app.url}/auth/logout`, {
      method: "POST",
      headers: { accept: "application/json" },
    });
    expect(out.status).toBe(204);
    expect(await out.text()).toBe("");
  });

  it("afterLoginPath without returnTo, afterLogoutPath after sign-out", async () => {
    const app = await start({}, { afterLoginPath: "/welcome", afterLogoutPath: "/goodbye" });
    const browser = new TestBrowser();
    const { callback } = await hostileSignIn(browser, app);
    expect(callback.headers.get("location")).toBe(`${app.url}/welcome`);
    const out = await browser.post(`${app.url}/auth/logout`, { origin: app.url });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe(`${app.url}/goodbye`);
  });

  it("allowGetLogout: a same-origin GET signs out; a cross-site GET is still refused", async () => {
    const app = await start({}, { allowGetLogout: true });
    const victim = new TestBrowser();
    await hostileSignIn(victim, app);
    const crossSite = await victim.get(`${app.url}/auth/logout`, {
      "sec-fetch-site": "cross-site",
    });
    expect(crossSite.status).toBe(403);
    expect((await victim.get(`${app.url}/auth/me`)).status).toBe(200);
    const sameOrigin = await victim.get(`${app.url}/auth/logout`, {
      "sec-fetch-site": "same-origin",
    });
    expect(sameOrigin.status).toBe(303);
    expect((await victim.get(`${app.url}/auth/me`)).status).toBe(401);
    // Other methods name both allowed ones.
    const put = await fetch(`${app.url}/auth/logout`, { method: "PUT" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST");
  });

  it("what onLogin returns is the session's app data", async () => {
    const app = await start({}, { onLogin: ({ user }) => ({ plan: "pro", polarUser: user.sub }) });
    const browser = new TestBrowser();
    await hostileSignIn(browser, app);
    const session = (await jsonOf(await browser.get(`${app.url}/dashboard`))) as {
      user: { sub: string };
      app: unknown;
    };
    expect(session.app).toEqual({ plan: "pro", polarUser: session.user.sub });
  });

  it("onLogin receives the tokens (expiry from expires_in, else an hour) and the id_token's claims", async () => {
    const clock = Date.now();
    const now = Math.floor(clock / 1000);
    const logins: PolarLogin[] = [];
    const app = await start(
      {},
      {
        now: () => clock,
        onLogin: (login) => {
          logins.push(login);
          return undefined;
        },
      },
    );
    await hostileSignIn(new TestBrowser(), app);
    const first = logins[0]!;
    expect(first.tokens).toEqual({
      accessToken: hostile.record.accessTokens.at(-1),
      refreshToken: hostile.record.refreshTokens.at(-1),
      expiresAt: expect.any(Number),
    });
    // expires_in counts down from the token response (openid-client's clock), a second or two.
    expect(first.tokens.expiresAt).toBeGreaterThan(now + 864_000 - 5);
    expect(first.tokens.expiresAt).toBeLessThanOrEqual(now + 864_000);
    expect(first.idTokenClaims).toMatchObject({ iss: hostile.issuer, sub: first.user.sub });
    // A token response without expires_in; no email anywhere (the user then has no such keys).
    const withoutEmail = ({
      email: _email,
      email_verified: _verified,
      ...claims
    }: Record<string, unknown>) => claims;
    hostile.misbehaviour = {
      tokenBody: ({ expires_in: _lifetime, ...body }) => body,
      idTokenClaims: withoutEmail,
      userinfo: withoutEmail,
    };
    try {
      await hostileSignIn(new TestBrowser(), app);
    } finally {
      hostile.misbehaviour = {};
    }
    expect(logins[1]!.tokens.expiresAt).toBe(now + 3600);
    expect(logins[1]!.user).toStrictEqual({ sub: first.user.sub });
  });

  it("onLogin data too large for a cookie: login_rejected, a 4xx page, no session", async () => {
    const app = await start({}, { onLogin: () => ({ blob: "x".repeat(5000) }) });
    const browser = new TestBrowser();
    const { callback } = await hostileSignIn(browser, app);
    expect(callback.status).toBe(400);
    const page = await callback.text();
    expect(page).toContain("login_rejected");
    expect(page).toContain("The sign-in could not be saved.");
    expect((await browser.get(`${app.url}/auth/me`)).status).toBe(401);
    expect(app.logs).toContainEqual(
      expect.stringMatching(/^error the session cookie would be \d+ bytes/),
    );
    expect(app.logs).toContain("warn sign-in failed: login_rejected (session cookie too large)");
  });

  it("a session cookie of exactly 4,000 bytes is kept; one byte more is refused", async () => {
    /** The session cookie's size for a cookie name and onLogin padding: sent, or refused and logged. */
    const attempt = async (cookieName: string, pad: number) => {
      const app = await start(
        { session: { secrets: SESSION_SECRET, cookieName } },
        { onLogin: () => ({ pad: "x".repeat(pad) }) },
      );
      const { callback } = await hostileSignIn(new TestBrowser(), app);
      const sent = callback.headers
        .getSetCookie()
        .find((line) => line.startsWith(`${cookieName}=`));
      const logged = app.logs.map((line) => /would be (\d+) bytes/.exec(line)?.[1]).find(Boolean);
      return { status: callback.status, bytes: sent ? Buffer.byteLength(sent) : Number(logged) };
    };
    // The seal grows in steps (AES blocks, base64), the name by one byte a character: find the
    // largest padding that stays within the limit, then lengthen the name to land on it.
    let [low, high] = [0, 4000];
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if ((await attempt("s", mid)).bytes <= 4000) low = mid;
      else high = mid;
    }
    const near = await attempt("s", low);
    const name = `s${"s".repeat(4000 - near.bytes)}`;
    const exact = await attempt(name, low);
    expect(exact).toEqual({ status: 302, bytes: 4000 });
    const over = await attempt(`${name}s`, low);
    expect(over).toEqual({ status: 400, bytes: 4001 });
  });

  it("rollingIntervalSeconds: once it passed, a signed-in user's /auth/login carries the re-issued cookie", async () => {
    let clock = Date.now();
    const app = await start({}, { now: () => clock, rollingIntervalSeconds: 60 });
    const browser = new TestBrowser();
    await hostileSignIn(browser, app);
    const early = await browser.get(`${app.url}/auth/login?returnTo=/dashboard`);
    expect(early.status).toBe(302);
    expect(early.headers.get("location")).toBe(`${app.url}/dashboard`);
    expect(early.headers.getSetCookie()).toEqual([]);
    clock += 61_000;
    const later = await browser.get(`${app.url}/auth/login?returnTo=/dashboard`);
    expect(later.status).toBe(302);
    expect(later.headers.get("location")).toBe(`${app.url}/dashboard`);
    expect(later.headers.getSetCookie()).toEqual([expect.stringMatching(/^polar_session=[^;]+;/)]);
  });

  it("onLogin refusing the user: login_rejected with the app's message, a 4xx page, no session", async () => {
    const reported: PolarError[] = [];
    const app = await start(
      {},
      {
        onLogin: () => {
          throw new PolarLoginRejectedError("Members only.");
        },
        onError: (error) => reported.push(error),
      },
    );
    const browser = new TestBrowser();
    const { callback } = await hostileSignIn(browser, app);
    expect(callback.status).toBe(400);
    const page = await callback.text();
    expect(page).toContain("<code>login_rejected</code>");
    expect(page).toContain('<p id="reason">Members only.</p>');
    expect(app.logs).toContain("warn sign-in failed: login_rejected (onLogin refused)");
    expect(reported.map((error) => error.code)).toEqual(["LOGIN_LOGIN_REJECTED"]);
    expect((await browser.get(`${app.url}/auth/me`)).status).toBe(401);
  });

  it.each([
    [
      "a timeout",
      () => new DOMException("The operation timed out.", "TimeoutError"),
      "TimeoutError",
    ],
    ["a TypeError", () => new TypeError("Cannot read properties of undefined"), "TypeError"],
  ])(
    "onLogin's own error (%s) is not blamed on Polar: token_exchange_failed naming it",
    async (_what, thrown, name) => {
      const app = await start(
        {},
        {
          onLogin: () => {
            throw thrown();
          },
        },
      );
      const { callback } = await hostileSignIn(new TestBrowser(), app);
      expect(callback.status).toBe(400);
      expect(await callback.text()).toContain("<code>token_exchange_failed</code>");
      expect(app.logs).toContain(`warn sign-in failed: token_exchange_failed (${name})`);
    },
  );

  it("PolarLoginRejectedError without a message: code LOGIN_REJECTED, the default reason shown", async () => {
    const refusal = new PolarLoginRejectedError();
    expect(refusal.code).toBe("LOGIN_REJECTED");
    const app = await start(
      {},
      {
        onLogin: () => {
          throw refusal;
        },
      },
    );
    const { callback } = await hostileSignIn(new TestBrowser(), app);
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain(
      '<p id="reason">This account is not allowed to sign in here.</p>',
    );
  });

  it("onLogin throwing something that is not an Error: token_exchange_failed, a 4xx page", async () => {
    const app = await start(
      {},
      {
        onLogin: () => {
          throw undefined;
        },
      },
    );
    const browser = new TestBrowser();
    const { callback } = await hostileSignIn(browser, app);
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain("<code>token_exchange_failed</code>");
    expect(app.logs).toContain("warn sign-in failed: token_exchange_failed");
    expect((await browser.get(`${app.url}/auth/me`)).status).toBe(401);
  });

  it("store reporting itself disconnected: /auth/login answers 503 with Retry-After, before Polar", async () => {
    const app = await start({}, { store: memoryStore({ available: () => false }) });
    const answer = await new TestBrowser().get(`${app.url}/auth/login`);
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("5");
    const page = await answer.text();
    expect(page).toContain("<code>store_unavailable</code>");
    expect(page).toContain(
      '<p id="reason">Signing in is unavailable for a moment. Please try again shortly. Retry after 5 s.</p>',
    );
    expect(app.logs).toContain(
      "warn sign-in failed: store_unavailable (The shared session store is unavailable: the store reports itself disconnected.)",
    );
    expect(answer.headers.getSetCookie()).toEqual([]);
  });

  it.each([
    [
      "PolarStoreUnavailableError with its Retry-After",
      () => new PolarStoreUnavailableError("replay claim failed", { retryAfterSeconds: 9 }),
      { available: () => true },
      "9",
      "The shared session store is unavailable: replay claim failed.",
    ],
    [
      "a store package's own copy of the error class (matched by code)",
      () => Object.assign(new Error("redis is down"), { code: "STORE_UNAVAILABLE" }),
      {},
      "5",
      "redis is down",
    ],
  ] as const)(
    "store failing at the callback, %s: 503, no session",
    async (_name, error, extra, retryAfter, detail) => {
      const store = memoryStore({
        ...extra,
        replay: {
          claim: () => {
            throw error();
          },
        },
      });
      const app = await start({}, { store });
      const browser = new TestBrowser();
      const { callback } = await hostileSignIn(browser, app);
      expect(callback.status).toBe(503);
      expect(callback.headers.get("retry-after")).toBe(retryAfter);
      const page = await callback.text();
      expect(page).toContain("<code>store_unavailable</code>");
      expect(page).toContain(
        `<p id="reason">Signing in is unavailable for a moment. Please try again shortly. Retry after ${retryAfter} s.</p>`,
      );
      expect(app.logs).toContain(`warn sign-in failed: store_unavailable (${detail})`);
      expect(setsSession(callback)).toBe(false);
    },
  );

  it.each([
    ["without a URL", (answer: globalThis.Response) => answer],
    [
      "with a URL that does not parse",
      (answer: globalThis.Response) => Object.defineProperty(answer, "url", { value: "::" }),
    ],
  ])(
    "fetch: a failed answer it makes up itself (%s) is logged as from Polar",
    async (_name, shape) => {
      const app = await start(
        {},
        {
          fetch: async (input, init) => {
            const url = input instanceof Request ? input.url : String(input);
            if (new URL(url).pathname !== "/v1/oauth2/token") return fetch(input, init);
            return shape(new Response("<html>Bad gateway</html>", { status: 502 }));
          },
        },
      );
      const { callback } = await hostileSignIn(new TestBrowser(), app);
      expect(callback.status).toBe(400);
      expect(app.logs).toContain(
        "warn sign-in failed: token_exchange_failed (OAUTH_RESPONSE_IS_NOT_CONFORM (502 from Polar))",
      );
    },
  );

  it("fetch: a request it aborts (no answer) is polar_unreachable, logged as a timeout", async () => {
    const app = await start(
      {},
      {
        fetch: async (input, init) => {
          const url = input instanceof Request ? input.url : String(input);
          if (new URL(url).pathname !== "/v1/oauth2/token") return fetch(input, init);
          throw new DOMException("This operation was aborted", "AbortError");
        },
      },
    );
    const { callback } = await hostileSignIn(new TestBrowser(), app);
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain("<code>polar_unreachable</code>");
    expect(app.logs).toContain("warn sign-in failed: polar_unreachable (timeout)");
  });

  it.each([
    [MAX_RETURN_TO_LENGTH, "kept"],
    [MAX_RETURN_TO_LENGTH + 1, "dropped"],
  ] as const)("returnTo of %i characters is %s", async (length, outcome) => {
    const app = await start();
    const returnTo = `/${"r".repeat(length - 1)}`;
    expect(returnTo).toHaveLength(length);
    const { callback } = await hostileSignIn(new TestBrowser(), app, { returnTo });
    expect(callback.headers.get("location")).toBe(
      outcome === "kept" ? `${app.url}${returnTo}` : `${app.url}/`,
    );
  });
});

/** An error handler's view: which error reached the app's own error handling. */
interface Caught {
  message: string;
}

function expressWithErrorHandler(
  mount: (app: express.Express) => void,
  caught: Caught[],
): RequestListener {
  const app = express();
  mount(app);
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    caught.push({ message: error.message });
    res.status(500).send("handled by the app");
  });
  return app as unknown as RequestListener;
}

function koaWithErrorHandler(mount: (app: Koa) => void, caught: Caught[]): RequestListener {
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      caught.push({ message: (error as Error).message });
      ctx.status = 500;
      ctx.body = "handled by the app";
    }
  });
  mount(app);
  return app.callback() as RequestListener;
}

describe.each<Framework>(FRAMEWORKS)("adapter error paths through %s", (framework) => {
  it("requireAuth() without polarAuth() hands the app a clear error", async () => {
    const caught: Caught[] = [];
    const listener =
      framework === "express"
        ? expressWithErrorHandler((app) => {
            app.get("/private", polarExpress.requireAuth(), (_req, res) => {
              res.send("private");
            });
          }, caught)
        : koaWithErrorHandler((app) => {
            app.use(polarKoa.requireAuth());
            app.use((ctx) => {
              ctx.body = "private";
            });
          }, caught);
    const url = await serve(listener);
    const answer = await fetch(`${url}/private`);
    expect(answer.status).toBe(500);
    expect(await answer.text()).toBe("handled by the app");
    expect(caught).toEqual([{ message: "requireAuth() needs app.use(polarAuth()) before it." }]);
  });

  it("an error thrown inside the kit reaches the app's error handling, not a crash", async () => {
    const caught: Caught[] = [];
    const logger = collectingLogger();
    // A logger that throws is the one thing the kit does not catch for the app.
    logger.warn = () => {
      throw new Error("logger failed");
    };
    // The redirect URI needs the port: listen first, then mount the kit.
    let handler: RequestListener = () => {};
    const origin = await serve((req, res) => handler(req, res));
    const config = hostileConfig(hostile)(origin);
    handler =
      framework === "express"
        ? expressWithErrorHandler((app) => {
            app.use(polarExpress.polarAuth(config, { logger }));
          }, caught)
        : koaWithErrorHandler((app) => {
            app.use(polarKoa.polarAuth(config, { logger }));
          }, caught);
    // A callback without state or code fails the sign-in, and the failure is logged as a warning.
    const answer = await fetch(`${origin}/auth/callback`);
    expect(answer.status).toBe(500);
    expect(await answer.text()).toBe("handled by the app");
    expect(caught).toEqual([{ message: "logger failed" }]);
  });
});
