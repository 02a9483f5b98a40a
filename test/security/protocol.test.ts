import { createPolarAuth, PolarLoginRejectedError } from "@polar-oauth/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORKS, type KitApp } from "../support/apps.js";
import { jsonOf } from "../support/browser.js";
import {
  hostileConfig,
  hostileSignIn,
  rawRequest,
  rawSetCookies,
  SESSION_SECRET,
  setsSession,
  startHostileApp,
  startHostileLogin,
  TestBrowser,
} from "./support/harness.js";
import { type HostilePolar, startHostilePolar } from "./support/hostile-polar.js";
import { unsealWith } from "./support/seals.js";

/**
 * What a hostile reviewer of an OAuth login kit checks (RFC 9700, OIDC Core): the
 * authorization request, login CSRF and code injection, mix-up, response headers, escaping
 * of the error page, logout CSRF and methods.
 */
let hostile: HostilePolar;
beforeAll(async () => {
  hostile = await startHostilePolar();
});
afterAll(() => hostile.close());

describe.each(FRAMEWORKS)("protocol through %s", (framework) => {
  let app: KitApp;
  beforeAll(async () => {
    app = await startHostileApp(framework, hostile);
  });
  afterAll(() => app.close());

  describe("authorization request", () => {
    it("PKCE S256, fresh state and nonce per attempt, explicit sub_type, the configured redirect_uri", async () => {
      const a = await startHostileLogin(new TestBrowser(), app);
      const b = await startHostileLogin(new TestBrowser(), app);
      for (const { authorizeUrl } of [a, b]) {
        const p = authorizeUrl.searchParams;
        expect(p.get("response_type")).toBe("code");
        expect(p.get("code_challenge_method")).toBe("S256");
        expect(p.get("code_challenge")).toMatch(/^[\w-]{43}$/);
        expect(p.get("state")).toMatch(/^[\w-]{43}$/);
        expect(p.get("nonce")).toMatch(/^[\w-]{43}$/);
        expect(p.get("sub_type")).toBe("user");
        expect(p.get("redirect_uri")).toBe(`${app.url}/auth/callback`);
        expect(p.has("code_verifier")).toBe(false);
      }
      for (const name of ["state", "nonce", "code_challenge"]) {
        expect(a.authorizeUrl.searchParams.get(name)).not.toBe(
          b.authorizeUrl.searchParams.get(name),
        );
      }
    });

    it("ignores Host and X-Forwarded-* headers: redirect_uri and returnTo stay on the configured origin", async () => {
      const answer = await rawRequest(app.url, {
        path: "/auth/login?returnTo=/dashboard",
        headers: {
          host: "evil.example",
          "x-forwarded-host": "evil.example",
          "x-forwarded-proto": "https",
        },
      });
      expect(answer.status).toBe(302);
      const authorize = new URL(String(answer.headers.location));
      expect(authorize.searchParams.get("redirect_uri")).toBe(`${app.url}/auth/callback`);
      const tx = rawSetCookies(answer.headers).find((c) => c.includes("_tx_"))!;
      const sealed = await unsealWith(tx.split(";")[0]!.split("=")[1]!, SESSION_SECRET);
      expect(sealed.returnTo).toBe(`${app.url}/dashboard`);
    });

    it("keeps a returnTo whose own query has an unencoded '?'", async () => {
      const answer = await rawRequest(app.url, {
        path: "/auth/login?returnTo=/search?q=polar&tab=2",
      });
      const tx = rawSetCookies(answer.headers).find((c) => c.includes("_tx_"))!;
      const sealed = await unsealWith(tx.split(";")[0]!.split("=")[1]!, SESSION_SECRET);
      expect(sealed.returnTo).toBe(`${app.url}/search?q=polar`);
    });

    it("passes only known prompt values on", async () => {
      const login = await fetch(`${app.url}/auth/login?prompt=consent%20select_account`, {
        redirect: "manual",
      });
      expect(new URL(login.headers.get("location")!).searchParams.has("prompt")).toBe(false);
      const consent = await fetch(`${app.url}/auth/login?prompt=consent`, { redirect: "manual" });
      expect(new URL(consent.headers.get("location")!).searchParams.get("prompt")).toBe("consent");
    });

    it("the transaction cookie is HttpOnly, SameSite=Lax, scoped to the callback, 10 minutes; the session cookie HttpOnly and Lax", async () => {
      const browser = new TestBrowser();
      const { login, callback } = await hostileSignIn(browser, app);
      const tx = login.headers.getSetCookie().find((c) => c.includes("_tx_"))!;
      expect(tx).toMatch(/; Path=\/auth\/callback;/);
      expect(tx).toMatch(/; Max-Age=600/);
      expect(tx).toMatch(/; HttpOnly/);
      expect(tx).toMatch(/; SameSite=Lax/);
      const session = callback.headers.getSetCookie().find((c) => c.startsWith("polar_session="))!;
      expect(session).toMatch(/; Path=\/;/);
      expect(session).toMatch(/; HttpOnly/);
      expect(session).toMatch(/; SameSite=Lax/);
    });
  });

  describe("callback", () => {
    it("login CSRF: an attacker's callback (their code and state) in the victim's browser signs nobody in", async () => {
      const attacker = new TestBrowser();
      const { callbackUrl } = await startHostileLogin(attacker, app, { user: "bob" });
      const victim = new TestBrowser();
      await startHostileLogin(victim, app, { user: "alice" }); // the victim's own attempt
      const forced = await victim.get(callbackUrl);
      expect(forced.status).toBe(400);
      expect(await forced.text()).toContain("transaction_missing");
      expect(setsSession(forced)).toBe(false);
      expect((await victim.get(`${app.url}/auth/me`)).status).toBe(401);
    });

    it("code injection: a victim's code under the attacker's own transaction is refused by PKCE", async () => {
      const victim = new TestBrowser();
      const stolen = await startHostileLogin(victim, app, { user: "alice" });
      const attacker = new TestBrowser();
      const own = await startHostileLogin(attacker, app, { user: "bob" });
      const injected = new URL(own.callbackUrl);
      injected.searchParams.set("code", stolen.callbackUrl.searchParams.get("code")!);
      const answer = await attacker.get(injected);
      expect(answer.status).toBe(400);
      expect(await answer.text()).toContain("token_exchange_failed");
      expect(setsSession(answer)).toBe(false);
    });

    it("code injection against a server that skips PKCE: the nonce still refuses it", async () => {
      const lax = await startHostilePolar({ skipPkce: true });
      const laxApp = await startHostileApp(framework, lax);
      try {
        const stolen = await startHostileLogin(new TestBrowser(), laxApp, { user: "alice" });
        const attacker = new TestBrowser();
        const own = await startHostileLogin(attacker, laxApp, { user: "bob" });
        const injected = new URL(own.callbackUrl);
        injected.searchParams.set("code", stolen.callbackUrl.searchParams.get("code")!);
        const answer = await attacker.get(injected);
        expect(answer.status).toBe(400);
        expect(await answer.text()).toContain("id_token_invalid");
        expect(setsSession(answer)).toBe(false);
      } finally {
        await laxApp.close();
        await lax.close();
      }
    });

    it.each([
      ["the right iss", (p: URLSearchParams, iss: string) => p.set("iss", iss), 302],
      [
        "two iss parameters",
        (p: URLSearchParams, iss: string) => {
          p.append("iss", iss);
          p.append("iss", iss);
        },
        400,
      ],
      ["two state parameters", (p: URLSearchParams) => p.append("state", p.get("state")!), 400],
      ["two code parameters", (p: URLSearchParams) => p.append("code", p.get("code")!), 400],
      ["an error next to the code", (p: URLSearchParams) => p.set("error", "server_error"), 400],
      ["an id_token (implicit injection)", (p: URLSearchParams) => p.set("id_token", "x.y.z"), 400],
    ])("an authorization response with %s answers %i", async (_name, tamper, status) => {
      const browser = new TestBrowser();
      const { callback } = await hostileSignIn(browser, app, {
        beforeCallback: (url) => tamper(url.searchParams, hostile.issuer),
      });
      expect(callback.status).toBe(status);
      expect(setsSession(callback)).toBe(status === 302);
    });

    it("a denial that comes back without state is access_denied; any other error without state, missing_state", async () => {
      for (const [error, failure] of [
        ["access_denied", "access_denied"],
        ["server_error", "missing_state"],
      ] as const) {
        const answer = await fetch(`${app.url}/auth/callback?error=${error}`);
        expect(answer.status).toBe(400);
        expect(await answer.text()).toContain(`<code>${failure}</code>`);
      }
    });

    it("a denial in a browser without the attempt's cookie is access_denied, and sets no cookie", async () => {
      const { callbackUrl } = await startHostileLogin(new TestBrowser(), app);
      callbackUrl.searchParams.delete("code");
      callbackUrl.searchParams.set("error", "access_denied");
      const answer = await new TestBrowser().get(callbackUrl);
      expect(answer.status).toBe(400);
      expect(await answer.text()).toContain("<code>access_denied</code>");
      expect(answer.headers.getSetCookie()).toEqual([]);
    });

    it("one attempt's transaction cookie sent under another attempt's name: state_mismatch, no session", async () => {
      const txCookie = (login: Response) =>
        login.headers
          .getSetCookie()
          .find((line) => line.includes("_tx_"))!
          .split(";")[0]!;
      const first = await startHostileLogin(new TestBrowser(), app);
      const second = await startHostileLogin(new TestBrowser(), app);
      const secondName = txCookie(second.login).split("=")[0];
      const firstValue = txCookie(first.login).split("=").slice(1).join("=");
      const answer = await fetch(second.callbackUrl, {
        headers: { cookie: `${secondName}=${firstValue}` },
        redirect: "manual",
      });
      expect(answer.status).toBe(400);
      expect(await answer.text()).toContain("<code>state_mismatch</code>");
      expect(setsSession(answer)).toBe(false);
    });

    it("a token response without scope: the session has the scopes the app asked for (RFC 6749 5.1)", async () => {
      const terse = await startHostilePolar({
        tokenBody: ({ scope: _granted, ...body }) => body,
      });
      const terseApp = await startHostileApp(framework, terse);
      try {
        const browser = new TestBrowser();
        const { callback } = await hostileSignIn(browser, terseApp);
        expect(callback.status).toBe(302);
        const me = (await jsonOf(await browser.get(`${terseApp.url}/auth/me`))) as {
          scopes: string[];
        };
        expect(me.scopes).toEqual(["openid", "profile", "email"]);
      } finally {
        await terseApp.close();
        await terse.close();
      }
    });

    it("a new sign-in gets a new session id (no fixation), even over an existing session", async () => {
      const browser = new TestBrowser();
      await hostileSignIn(browser, app, { user: "alice" });
      const first = await unsealWith(browser.cookie("polar_session")!.value, SESSION_SECRET);
      // A signed-in user skips Polar unless asked again; ask again.
      const again = await browser.get(`${app.url}/auth/login?prompt=login`);
      const authorize = new URL(again.headers.get("location")!);
      authorize.searchParams.set("test_user", "bob");
      const back = await fetch(authorize, { redirect: "manual" });
      await browser.get(back.headers.get("location")!);
      const second = await unsealWith(browser.cookie("polar_session")!.value, SESSION_SECRET);
      expect(second.sid).not.toBe(first.sid);
      expect((second.user as { email: string }).email).toBe("bob@hostile.test");
    });

    it("answers the callback with no-store, no-referrer and nosniff, success and failure alike", async () => {
      const browser = new TestBrowser();
      const { login, callback } = await hostileSignIn(browser, app);
      const failed = await browser.get(`${app.url}/auth/callback?state=nope&code=x`);
      for (const answer of [login, callback, failed]) {
        expect(answer.headers.get("cache-control")).toBe("no-store");
        expect(answer.headers.get("referrer-policy")).toBe("no-referrer");
        expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
      }
      expect(failed.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(failed.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    });

    it("never renders error or error_description from the query raw", async () => {
      const xss = "<script>alert(1)</script>";
      const browser = new TestBrowser();
      const { callback } = await hostileSignIn(browser, app, {
        beforeCallback: (url) => {
          url.searchParams.delete("code");
          url.searchParams.set("error", `access_denied${xss}`);
          url.searchParams.set("error_description", xss);
          url.searchParams.set("error_uri", "javascript:alert(1)");
        },
      });
      const body = await callback.text();
      expect(callback.status).toBe(400);
      expect(body).not.toContain("<script>");
      expect(body).not.toContain("alert(1)");
      expect(body).not.toContain("javascript:");
      const stateless = await fetch(
        `${app.url}/auth/callback?error=${encodeURIComponent(xss)}&error_description=${encodeURIComponent(xss)}`,
      );
      const text = await stateless.text();
      expect(stateless.status).toBe(400);
      expect(text).not.toContain("<script>");
    });
  });

  describe("logout", () => {
    it.each([
      ["a foreign Origin", { origin: "https://evil.example" }],
      ["Origin null (sandboxed frame, cross-origin redirect)", { origin: "null" }],
      ["a sibling origin", { origin: "http://localhost:1" }],
      ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
      ["Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }],
    ])("refuses a POST with %s and keeps the session", async (_name, headers) => {
      const browser = new TestBrowser();
      await hostileSignIn(browser, app);
      const out = await browser.post(`${app.url}/auth/logout`, headers);
      expect(out.status).toBe(403);
      expect(out.headers.getSetCookie()).toEqual([]);
      expect((await browser.get(`${app.url}/auth/me`)).status).toBe(200);
    });

    it.each([
      ["the app origin plus a digit", (app: string) => `${app}0`],
      ["the app origin as a subdomain of another host", (app: string) => `${app}.evil.example`],
      ["the app origin followed by userinfo", (app: string) => `${app}@evil.example`],
      ["the app origin with a trailing slash", (app: string) => `${app}/`],
      ["the app origin over https", (app: string) => app.replace(/^http:/, "https:")],
      ["a prefix of the app origin", (app: string) => app.slice(0, -1)],
    ])("refuses a POST whose Origin is %s (exact match only)", async (_name, originOf) => {
      const browser = new TestBrowser();
      await hostileSignIn(browser, app);
      const out = await browser.post(`${app.url}/auth/logout`, { origin: originOf(app.url) });
      expect(out.status).toBe(403);
      expect(out.headers.getSetCookie()).toEqual([]);
      expect((await browser.get(`${app.url}/auth/me`)).status).toBe(200);
    });

    it("refuses look-alikes of a trusted origin (exact match only)", async () => {
      const trusting = await startHostileApp(
        framework,
        hostile,
        {},
        { trustedOrigins: ["https://admin.example"] },
      );
      try {
        const lookAlikes = [
          "https://admin.example.evil.example",
          "https://admin.example0",
          "https://admin.exampl",
          "https://evil-admin.example",
          "https://xadmin.example",
          "http://admin.example",
          "https://admin.example@evil.example",
        ];
        const refused: string[] = [];
        for (const origin of lookAlikes) {
          const browser = new TestBrowser();
          await hostileSignIn(browser, trusting);
          const out = await browser.post(`${trusting.url}/auth/logout`, { origin });
          if (out.status === 403 && (await browser.get(`${trusting.url}/auth/me`)).status === 200)
            refused.push(origin);
        }
        expect(refused).toEqual(lookAlikes);
      } finally {
        await trusting.close();
      }
    });

    it("refuses GET /auth/logout by default (405, Allow: POST)", async () => {
      const browser = new TestBrowser();
      await hostileSignIn(browser, app);
      const out = await browser.get(`${app.url}/auth/logout`);
      expect(out.status).toBe(405);
      expect(out.headers.get("allow")).toBe("POST");
      expect((await browser.get(`${app.url}/auth/me`)).status).toBe(200);
    });

    it("accepts a same-origin POST, a non-browser POST (no Origin, no Sec-Fetch-Site), and a trusted origin", async () => {
      const trusting = await startHostileApp(
        framework,
        hostile,
        {},
        {
          trustedOrigins: ["https://admin.example"],
        },
      );
      try {
        const allowed: Record<string, string>[] = [
          { origin: trusting.url },
          { "sec-fetch-site": "same-origin" },
          {},
          { origin: "https://admin.example" },
        ];
        for (const headers of allowed) {
          const browser = new TestBrowser();
          await hostileSignIn(browser, trusting);
          const out = await browser.post(`${trusting.url}/auth/logout`, headers);
          expect(out.status).toBe(303);
          expect((await browser.get(`${trusting.url}/auth/me`)).status).toBe(401);
        }
      } finally {
        await trusting.close();
      }
    });
  });

  describe("methods", () => {
    it.each([
      ["POST", "/auth/login", "GET"],
      ["PUT", "/auth/login", "GET"],
      ["POST", "/auth/callback", "GET"],
      ["DELETE", "/auth/me", "GET"],
      ["PUT", "/auth/logout", "POST"],
    ])("%s %s answers 405 with Allow: %s", async (method, path, allow) => {
      const answer = await fetch(`${app.url}${path}`, { method, redirect: "manual" });
      expect(answer.status).toBe(405);
      expect(answer.headers.get("allow")).toBe(allow);
    });
  });

  it("the session view and /auth/me never carry tokens", async () => {
    const browser = new TestBrowser();
    await hostileSignIn(browser, app);
    const me = await jsonOf(await browser.get(`${app.url}/auth/me`));
    const dashboard = await jsonOf(await browser.get(`${app.url}/dashboard`));
    for (const body of [me, dashboard]) {
      expect(JSON.stringify(body)).not.toMatch(/polar_(at|rt)_|"accessToken"|"refreshToken"/);
    }
  });
});

describe("core", () => {
  it("makes the cookies __Host- (Secure, Path=/, no Domain) when the redirect URI is https", async () => {
    const auth = createPolarAuth(hostileConfig(hostile)("https://app.example"), {
      logger: { info() {}, warn() {}, error() {} },
    });
    const login = await auth.handle({ method: "GET", url: "/auth/login", headers: {} });
    expect(login?.status).toBe(302);
    expect(login?.cookies[0]).toMatch(/^__Host-polar_session_tx_[\w-]{16}=[^;]+; Path=\/; /);
    expect(login?.cookies[0]).toMatch(/; Secure/);
    expect(login?.cookies[0]).not.toMatch(/Domain/i);
    const logout = await auth.handle({
      method: "POST",
      url: "/auth/logout",
      headers: { origin: "https://app.example" },
    });
    expect(logout?.cookies).toContainEqual(
      expect.stringMatching(/^__Host-polar_session=; Path=\/; .*; Secure/),
    );
  });

  it("an https sign-in sets the session cookie Secure and HttpOnly (and every cookie Secure)", async () => {
    const auth = createPolarAuth(hostileConfig(hostile)("https://app.example"), {
      logger: { info() {}, warn() {}, error() {} },
    });
    const login = await auth.handle({ method: "GET", url: "/auth/login", headers: {} });
    expect(login?.status).toBe(302);
    const polar = await fetch(login!.headers.location!, { redirect: "manual" });
    await polar.body?.cancel();
    const callbackUrl = new URL(polar.headers.get("location")!);
    expect(callbackUrl.origin).toBe("https://app.example");
    const cookieHeader = login!.cookies.map((line) => line.split(";")[0]).join("; ");
    const callback = await auth.handle({
      method: "GET",
      url: `${callbackUrl.pathname}${callbackUrl.search}`,
      headers: { cookie: cookieHeader },
    });
    expect(callback?.status).toBe(302);
    const session = callback!.cookies.filter((line) => /^(__Host-)?polar_session=[^;]/.test(line));
    expect(session).toHaveLength(1);
    expect(session[0]).toMatch(/; Secure(;|$)/i);
    expect(session[0]).toMatch(/; HttpOnly(;|$)/i);
    for (const line of [...login!.cookies, ...callback!.cookies]) {
      expect(line).toMatch(/; Secure(;|$)/i);
    }
  });

  it("escapes a rejection message from onLogin on the error page", async () => {
    const app = await startHostileApp(
      "express",
      hostile,
      {},
      {
        onLogin: () => {
          throw new PolarLoginRejectedError('<img src=x onerror="alert(1)">');
        },
      },
    );
    try {
      const { callback } = await hostileSignIn(new TestBrowser(), app);
      expect(callback.status).toBe(400);
      const body = await callback.text();
      expect(body).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
      expect(body).not.toContain("<img");
    } finally {
      await app.close();
    }
  });
});
