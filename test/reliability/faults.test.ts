import {
  definePolarConfig,
  PolarUnreachableError,
  type RegistrationCheck,
  verifyRegistration,
} from "@polar-oauth/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  collectingLogger,
  hostileConfig,
  hostileSignIn,
  restartApp,
  SESSION_SECRET,
  setsSession,
  startHostileApp,
  startHostileLogin,
  TestBrowser,
} from "../security/support/harness.js";
import { HANG, startHostilePolar } from "../security/support/hostile-polar.js";
import { fakeClock, unsealWith } from "../security/support/seals.js";
import { FRAMEWORKS, type KitApp } from "../support/apps.js";
import { jsonOf } from "../support/browser.js";

/**
 * Faults: Polar unreachable at startup, going down mid-login, slow endpoints, the app
 * restarted between login and callback, a session-secret rotation, failing refreshes. The kit
 * answers within its timeout, with a clear reason, and never with a 5xx of its own.
 */
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(
    closers
      .splice(0)
      .reverse()
      .map((close) => close()),
  );
});
async function hostileServer(...args: Parameters<typeof startHostilePolar>) {
  const server = await startHostilePolar(...args);
  closers.push(() => server.close());
  return server;
}
function track<T extends KitApp>(app: T): T {
  closers.push(() => app.close());
  return app;
}

const TIMEOUT_MS = 300;

describe("Polar unreachable at startup", () => {
  it("verifyRegistration says so clearly after the configured retries", async () => {
    const hostile = await hostileServer();
    await hostile.stop();
    let attempts = 0;
    const counting: typeof fetch = (input, init) => {
      attempts++;
      return fetch(input, init);
    };
    const config = hostileConfig(hostile, { timeoutMs: TIMEOUT_MS })("http://127.0.0.1:3000");
    const error = await verifyRegistration(config, {
      retries: 2,
      retryDelayMs: 20,
      fetch: counting,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolarUnreachableError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Polar server unreachable at ${hostile.url} \\(set by POLAR_SERVER or the \`server\` option\\): connection failed \\(ECONNREFUSED\\)\\. Fix: check the network .* \\(see @polar-oauth/core/ERRORS\\.md#polar_unreachable\\)$`,
      ),
    );
    expect(attempts).toBe(3);
  });

  it("retries a 503 too, and succeeds once Polar is back", async () => {
    const hostile = await hostileServer();
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      calls++;
      if (String(input).includes("/oauth2/authorize") && calls < 4) {
        return new Response("Service Unavailable", { status: 503 });
      }
      return fetch(input, init);
    };
    const config = hostileConfig(hostile)("http://127.0.0.1:3000");
    const check = await verifyRegistration(config, { retries: 3, retryDelayMs: 10, fetch: flaky });
    expect(check.method).toBe("probe");
  });

  describe.each(FRAMEWORKS)("through %s", (framework) => {
    it("fail mode: `ready` rejects with the unreachable URL; the kit answers sign-ins with a 4xx", async () => {
      const hostile = await hostileServer();
      await hostile.stop();
      const app = track(
        await startHostileApp(framework, hostile, { startupCheck: "fail", timeoutMs: TIMEOUT_MS }),
      );
      const error = await app.ready.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PolarUnreachableError);
      expect((error as Error).message).toContain(hostile.url);
      const login = await fetch(`${app.url}/auth/login`, { redirect: "manual" });
      expect(login.status).toBe(400);
      expect(await login.text()).toContain("polar_unreachable");
      expect(app.logs).toContainEqual(
        `warn sign-in failed: polar_unreachable (Polar server unreachable at ${hostile.url}: connection failed (ECONNREFUSED).)`,
      );
    });

    it("startupCheckRetries: the check waits for a Polar that comes up a moment later", async () => {
      const hostile = await hostileServer();
      await hostile.stop();
      const app = track(
        await startHostileApp(
          framework,
          hostile,
          { startupCheck: "fail", timeoutMs: TIMEOUT_MS },
          { startupCheckRetries: 10, startupCheckRetryDelayMs: 50 },
        ),
      );
      setTimeout(() => void hostile.restart(), 150);
      const check = (await app.ready) as RegistrationCheck;
      expect(check.method).toBe("probe");
      const browser = new TestBrowser();
      const { callback } = await hostileSignIn(browser, app);
      expect(callback.status).toBe(302);
    });

    it("warn mode: logs one clear line and serves; sign-in works once Polar is back", async () => {
      const hostile = await hostileServer();
      await hostile.stop();
      const app = track(
        await startHostileApp(framework, hostile, { startupCheck: "warn", timeoutMs: TIMEOUT_MS }),
      );
      expect(await app.ready).toBeUndefined();
      expect(app.logs).toHaveLength(1);
      expect(app.logs[0]).toMatch(
        `warn startup check: Polar server unreachable at ${hostile.url} (set by POLAR_SERVER or the \`server\` option): connection failed (ECONNREFUSED). Fix: `,
      );
      expect((await fetch(`${app.url}/`)).status).toBe(200);
      await hostile.restart();
      const { callback } = await hostileSignIn(new TestBrowser(), app);
      expect(callback.status).toBe(302);
    });
  });
});

describe.each(FRAMEWORKS)("faults through %s", (framework) => {
  it("Polar going down between login and callback: a clear 4xx within the timeout, then recovery", async () => {
    const hostile = await hostileServer();
    const app = track(await startHostileApp(framework, hostile, { timeoutMs: TIMEOUT_MS }));
    const browser = new TestBrowser();
    const { callbackUrl } = await startHostileLogin(browser, app);
    await hostile.stop();
    const callback = await browser.get(callbackUrl);
    expect(callback.status).toBe(400);
    expect(app.logs).toEqual(["warn sign-in failed: polar_unreachable (connection failed)"]);
    expect(await callback.text()).toContain("polar_unreachable");
    expect(setsSession(callback)).toBe(false);

    await hostile.restart();
    const again = await hostileSignIn(browser, app);
    expect(again.callback.status).toBe(302);
    expect((await browser.get(`${app.url}/auth/me`)).status).toBe(200);
  });

  it.each([
    ["a slow token endpoint", { token: { delayMs: 3000 } }, "timeout"],
    ["a token endpoint that never answers", { token: HANG }, "timeout"],
    ["a JWKS endpoint that never answers", { jwks: HANG }, "JWKS: timeout"],
    [
      "a userinfo endpoint that never answers",
      {
        userinfo: HANG,
        idTokenClaims: (c: Record<string, unknown>) => ({ ...c, email: undefined }),
      },
      "userinfo: timeout",
    ],
  ] as const)(
    "%s: the callback answers at the kit's timeout",
    async (_name, misbehaviour, timeoutDetail) => {
      const hostile = await hostileServer(misbehaviour);
      const app = track(await startHostileApp(framework, hostile, { timeoutMs: TIMEOUT_MS }));
      const browser = new TestBrowser();
      const { callbackUrl } = await startHostileLogin(browser, app);
      const callback = await browser.get(callbackUrl);
      expect(callback.status).toBe(400);
      // The path taken: the kit's own timeout (a hang past the test's timeout would fail it).
      expect(app.logs).toEqual([`warn sign-in failed: polar_unreachable (${timeoutDetail})`]);
      expect(await callback.text()).toContain("polar_unreachable");
      expect(setsSession(callback)).toBe(false);
    },
  );

  it("a discovery endpoint that never answers: /auth/login answers within the timeout", async () => {
    const hostile = await hostileServer({ discoveryAnswer: HANG });
    const app = track(await startHostileApp(framework, hostile, { timeoutMs: TIMEOUT_MS }));
    const login = await fetch(`${app.url}/auth/login`, { redirect: "manual" });
    expect(login.status).toBe(400);
    expect(app.logs).toEqual([
      `warn sign-in failed: polar_unreachable (Polar server unreachable at ${hostile.url}: no answer within ${TIMEOUT_MS} ms.)`,
    ]);
    expect(await login.text()).toContain("polar_unreachable");
  });

  it("a discovery endpoint that fails: /auth/login names the failure by its code, not Polar's text", async () => {
    const hostile = await hostileServer({
      discoveryAnswer: { status: 500, body: "upstream exploded <script>" },
    });
    const app = track(await startHostileApp(framework, hostile, { timeoutMs: TIMEOUT_MS }));
    const login = await fetch(`${app.url}/auth/login`, { redirect: "manual" });
    expect(login.status).toBe(400);
    expect(app.logs).toEqual([
      "warn sign-in failed: token_exchange_failed (POLAR_DISCOVERY_FAILED)",
    ]);
    expect(await login.text()).not.toContain("upstream exploded");
  });

  it("the app restarted between login and callback: the new instance completes the sign-in (stateless)", async () => {
    const hostile = await hostileServer();
    const first = await startHostileApp(framework, hostile);
    const browser = new TestBrowser();
    const { callbackUrl } = await startHostileLogin(browser, first, { returnTo: "/dashboard" });
    const stolen = browser.clone();
    const second = track(
      await restartApp(framework, first, first.config, { logger: collectingLogger() }),
    );
    expect(second.url).toBe(first.url);
    const callback = await browser.get(callbackUrl);
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe(`${first.url}/dashboard`);
    expect((await jsonOf(await browser.get(`${second.url}/auth/me`))).user.email).toBe(
      "alice@hostile.test",
    );
    // The new instance has no memory of the state; a replay is stopped by Polar's
    // single-use code (and, in one process, by the kit's replay guard).
    const replay = await stolen.get(callbackUrl);
    expect(replay.status).toBe(400);
    expect(setsSession(replay)).toBe(false);
  });

  it("session-secret rotation: old sessions and pending logins survive [new, old]; [new] alone ends the old cookies", async () => {
    const OLD = SESSION_SECRET;
    const NEW = "rotated-session-secret-9b8a7c6d5e4f3a2b1c0d";
    const clock = fakeClock();
    const hostile = await hostileServer();
    const v1 = await startHostileApp(framework, hostile, {}, { now: clock.now });
    const signedIn = new TestBrowser();
    await hostileSignIn(signedIn, v1);
    const oldCookie = signedIn.clone();
    const pending = new TestBrowser();
    const { callbackUrl } = await startHostileLogin(pending, v1);

    const configFor = (secrets: string[]) =>
      definePolarConfig({ ...v1.config, session: { ...v1.config.session!, secrets } });

    // Deploy 1: NEW first (seals), OLD still accepted.
    const v2 = await restartApp(framework, v1, configFor([NEW, OLD]), { now: clock.now });
    expect((await signedIn.get(`${v2.url}/auth/me`)).status).toBe(200);
    const completed = await pending.get(callbackUrl);
    expect(completed.status).toBe(302);
    expect(await unsealWith(pending.cookie("polar_session")!.value, NEW)).toHaveProperty("sid");
    // The sliding expiry re-issues the old session under NEW.
    clock.advance(3601);
    expect((await signedIn.get(`${v2.url}/auth/me`)).status).toBe(200);
    expect(await unsealWith(signedIn.cookie("polar_session")!.value, NEW)).toHaveProperty("sid");

    // Deploy 2: OLD removed.
    const v3 = track(await restartApp(framework, v2, configFor([NEW]), { now: clock.now }));
    expect((await signedIn.get(`${v3.url}/auth/me`)).status).toBe(200);
    expect((await pending.get(`${v3.url}/auth/me`)).status).toBe(200);
    expect((await oldCookie.get(`${v3.url}/auth/me`)).status).toBe(401);
  });

  it.each([
    ["answers 500", { status: 500, body: "oops" }, 503, "POLAR_API_ERROR"],
    [
      "answers 429",
      { status: 429, headers: { "retry-after": "5" }, body: "" },
      503,
      "POLAR_RATE_LIMITED",
    ],
    ["never answers", HANG, 503, "POLAR_UNREACHABLE"],
    [
      "refuses the refresh token (invalid_grant)",
      {
        status: 400,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ error: "invalid_grant" }),
      },
      401,
      "SESSION_ENDED",
    ],
  ] as const)(
    "a token refresh that %s: a typed error within the timeout, the session kept or cleared accordingly",
    async (_name, refresh, status, code) => {
      const clock = fakeClock();
      const hostile = await hostileServer();
      const app = track(
        await startHostileApp(
          framework,
          hostile,
          {
            timeoutMs: TIMEOUT_MS,
            session: {
              secrets: SESSION_SECRET,
              idleTimeoutSeconds: 30 * 86_400,
              absoluteTimeoutSeconds: 60 * 86_400,
            },
          },
          { now: clock.now },
        ),
      );
      const browser = new TestBrowser();
      await hostileSignIn(browser, app);
      hostile.misbehaviour = { refresh };
      clock.advance(864_000 + 60);
      const answer = await browser.get(`${app.url}/api/token`, { accept: "application/json" });
      expect(answer.status).toBe(status);
      expect(await jsonOf(answer)).toEqual({ error: code });
      expect((await browser.get(`${app.url}/auth/me`)).status).toBe(
        code === "SESSION_ENDED" ? 401 : 200,
      );
      // Polar is fine again: a kept session refreshes.
      hostile.misbehaviour = {};
      const later = await browser.get(`${app.url}/api/token`, { accept: "application/json" });
      expect(later.status).toBe(code === "SESSION_ENDED" ? 401 : 200);
    },
  );
});
