import {
  createPolarAuth,
  memoryRevocationStore,
  type SessionRevocationStore,
} from "@polar-oauth/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORKS } from "../support/apps.js";
import { jsonOf } from "../support/browser.js";
import { closeAfterEach } from "../support/close-after-each.js";
import {
  hostileConfig,
  hostileSignIn,
  SESSION_SECRET,
  STACK_TRACE,
  startHostileApp,
  TestBrowser,
} from "./support/harness.js";
import { HANG, type HostilePolar, startHostilePolar } from "./support/hostile-polar.js";
import { fakeClock } from "./support/seals.js";

/**
 * Logout and stolen cookies. The session is a sealed cookie: without a revocation store a
 * copy stays valid until it expires (the documented trade-off); with one, logout (or the app,
 * server-side) ends it for every copy. Idle and absolute lifetimes run on the kit's clock.
 */
let hostile: HostilePolar;
beforeAll(async () => {
  hostile = await startHostilePolar();
});
afterAll(() => hostile.close());

const closers = closeAfterEach();

const HOUR = 3600;
const DAY = 24 * HOUR;

describe.each(FRAMEWORKS)("logout and lifetimes through %s", (framework) => {
  const start = async (
    ...args: Parameters<typeof startHostileApp> extends [unknown, unknown, ...infer R] ? R : never
  ) => {
    const app = await startHostileApp(framework, hostile, ...args);
    closers.push(() => app.close());
    return app;
  };
  const me = async (browser: TestBrowser, app: { url: string }) => {
    const answer = await browser.get(`${app.url}/auth/me`, { accept: "application/json" });
    await answer.body?.cancel();
    return answer.status;
  };
  const logout = (browser: TestBrowser, app: { url: string }) =>
    browser.post(`${app.url}/auth/logout`, { origin: app.url });

  it("without a revocation store, a copied cookie stays valid after logout until it expires (the trade-off)", async () => {
    const clock = fakeClock();
    const app = await start(
      { session: { secrets: SESSION_SECRET, idleTimeoutSeconds: HOUR } },
      { now: clock.now },
    );
    const browser = new TestBrowser();
    await hostileSignIn(browser, app);
    const thief = browser.clone();
    const revocationsBefore = hostile.record.revocations.length;
    expect((await logout(browser, app)).status).toBe(303);
    expect(await me(browser, app)).toBe(401);
    // Polar's refresh token (and with it the access token) was revoked at Polar…
    expect(hostile.record.revocations.length).toBe(revocationsBefore + 1);
    expect(hostile.record.revocations.at(-1)!.get("token_type_hint")).toBe("refresh_token");
    // …but the sealed cookie itself still opens the app until its idle timeout.
    expect(await me(thief, app)).toBe(200);
    clock.advance(HOUR + 1);
    expect(await me(thief, app)).toBe(401);
  });

  it("with a revocation store, logout kills every copy of that session and only that session", async () => {
    const revocation = memoryRevocationStore();
    const app = await start({}, { revocation });
    const browser = new TestBrowser();
    await hostileSignIn(browser, app, { user: "alice" });
    const thief = browser.clone();
    const otherDevice = new TestBrowser();
    await hostileSignIn(otherDevice, app, { user: "alice" });

    expect((await logout(browser, app)).status).toBe(303);
    expect(await me(browser, app)).toBe(401);
    expect(await me(thief, app)).toBe(401);
    expect(await me(otherDevice, app)).toBe(200);
    // The thief cannot get tokens through the app either.
    const token = await thief.get(`${app.url}/api/token`, { accept: "application/json" });
    expect(token.status).toBe(401);
  });

  it("with a revocation store, a cookie from before a token refresh dies with the logout too (same session id)", async () => {
    const clock = fakeClock();
    const revocation = memoryRevocationStore(clock.now);
    const app = await start(
      {
        session: {
          secrets: SESSION_SECRET,
          idleTimeoutSeconds: 30 * DAY,
          absoluteTimeoutSeconds: 60 * DAY,
        },
      },
      { now: clock.now, revocation },
    );
    const browser = new TestBrowser();
    await hostileSignIn(browser, app);
    const beforeRefresh = browser.clone();
    clock.advance(10 * DAY + 60);
    const refreshed = await browser.get(`${app.url}/api/token`, { accept: "application/json" });
    expect(refreshed.status).toBe(200);
    expect(browser.cookie("polar_session")!.value).not.toBe(
      beforeRefresh.cookie("polar_session")!.value,
    );
    expect((await logout(browser, app)).status).toBe(303);
    expect(await me(beforeRefresh, app)).toBe(401);
    expect(await me(browser, app)).toBe(401);
  });

  it("the app can end a session server-side by its id (sign out everywhere, a banned user)", async () => {
    const revocation = memoryRevocationStore();
    const app = await start({}, { revocation });
    const browser = new TestBrowser();
    await hostileSignIn(browser, app);
    const cookie = browser.cookieHeader(new URL(app.url));
    // The app learns the session id from the request context (e.g. stores it per user)…
    const auth = createPolarAuth(hostileConfig(hostile)(app.url), { revocation, logger: quiet });
    const context = await auth.context({ method: "GET", url: "/", headers: { cookie } }, () => {});
    expect(context.sessionId).toMatch(/^[\w-]{22}$/);
    // …and later ends it without the browser's help.
    await auth.revokeSession(context.sessionId!);
    expect(await me(browser, app)).toBe(401);
    const after = await auth.context({ method: "GET", url: "/", headers: { cookie } }, () => {});
    expect(after.session).toBeUndefined();
    expect(after.sessionId).toBeUndefined();
  });

  it("revokeSession without a revocation store says how to enable it", async () => {
    const auth = createPolarAuth(hostileConfig(hostile)("http://127.0.0.1:3000"), {
      logger: quiet,
    });
    await expect(auth.revokeSession("abc")).rejects.toThrow(/revocation/);
  });

  it("a revocation store that fails is treated as 'revoked' (fail closed): signed out, no 5xx, no stack", async () => {
    const logs: string[] = [];
    const broken: SessionRevocationStore = {
      revoke() {
        throw new Error("ECONNREFUSED redis:6379");
      },
      isRevoked() {
        throw new Error("ECONNREFUSED redis:6379");
      },
    };
    const app = await start(
      {},
      {
        revocation: broken,
        logger: { info() {}, warn: (m) => logs.push(m), error: (m) => logs.push(m) },
      },
    );
    const browser = new TestBrowser();
    const { callback } = await hostileSignIn(browser, app);
    expect(callback.status).toBe(302);
    for (const path of ["/auth/me", "/dashboard", "/api/token"]) {
      const answer = await browser.get(`${app.url}${path}`, { accept: "application/json" });
      expect(answer.status).toBe(401);
      expect(await answer.text()).not.toMatch(STACK_TRACE);
    }
    const out = await logout(browser, app);
    expect(out.status).toBe(303);
    expect(logs.join("\n")).toMatch(/revocation store/);
  });

  it.each([
    ["answers 500", { status: 500, body: "oops" }, "OAUTH_RESPONSE_IS_NOT_CONFORM"],
    ["never answers", HANG, "OAUTH_TIMEOUT"],
  ] as const)(
    "logout still signs out when Polar's revocation endpoint %s",
    async (_name, revoke, code) => {
      const failing = await startHostilePolar({ revoke });
      closers.push(() => failing.close());
      const app = await startHostileApp(framework, failing, { timeoutMs: 300 });
      closers.push(() => app.close());
      const browser = new TestBrowser();
      await hostileSignIn(browser, app);
      const out = await logout(browser, app);
      expect(out.status).toBe(303);
      // The path taken: the revocation failed (by the kit's timeout when Polar hangs), logged by code.
      expect(app.logs).toEqual([
        `warn refresh token revocation at Polar failed (${code}); the session is cleared anyway.`,
      ]);
      expect(await me(browser, app)).toBe(401);
    },
  );

  describe("lifetimes on the kit's clock", () => {
    it("defaults: signed out after a day without a request", async () => {
      const clock = fakeClock();
      const app = await start({}, { now: clock.now });
      const browser = new TestBrowser();
      await hostileSignIn(browser, app);
      clock.advance(DAY - 60);
      expect(await me(browser, app)).toBe(200);
      clock.advance(DAY + 1);
      expect(await me(browser, app)).toBe(401);
    });

    it("defaults: activity slides the idle timeout, but the session ends 7 days after sign-in", async () => {
      const clock = fakeClock();
      const app = await start({}, { now: clock.now });
      const browser = new TestBrowser();
      await hostileSignIn(browser, app);
      for (let elapsed = 0; elapsed < 7 * DAY - 12 * HOUR; elapsed += 12 * HOUR) {
        clock.advance(12 * HOUR);
        expect(await me(browser, app)).toBe(200);
      }
      clock.advance(12 * HOUR + 1);
      expect(await me(browser, app)).toBe(401);
    });

    it("custom idle and absolute timeouts hold, for the cookie and for a copy of it", async () => {
      const clock = fakeClock();
      const app = await start(
        {
          session: {
            secrets: SESSION_SECRET,
            idleTimeoutSeconds: 600,
            absoluteTimeoutSeconds: 1800,
          },
        },
        { now: clock.now },
      );
      const browser = new TestBrowser();
      await hostileSignIn(browser, app);
      const copy = browser.clone();
      clock.advance(599);
      expect(await me(browser, app)).toBe(200);
      // The copy was not used: its idle timeout ran out.
      clock.advance(2);
      expect(await me(copy, app)).toBe(401);
      // Used every ~400 s it lives on (t = 1000, 1400, 1799)…
      for (const step of [399, 400, 399]) {
        clock.advance(step);
        expect(await me(browser, app)).toBe(200);
      }
      // …until 30 minutes after sign-in, whatever the activity.
      clock.advance(2);
      expect(await me(browser, app)).toBe(401);
    });

    it("/auth/me shows when the session started, never the tokens", async () => {
      const app = await start();
      const browser = new TestBrowser();
      await hostileSignIn(browser, app);
      const body = await jsonOf(await browser.get(`${app.url}/auth/me`));
      expect(body.signedInAt).toBeCloseTo(Date.now() / 1000, -1);
      expect(JSON.stringify(body)).not.toMatch(/polar_(at|rt)_/);
    });
  });
});

const quiet = { info() {}, warn() {}, error() {} };
