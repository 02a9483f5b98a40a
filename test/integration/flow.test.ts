import { BrowserSession, type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORKS } from "../support/apps.js";
import { jsonOf } from "../support/browser.js";
import { type Kit, signIn, startKit, TestBrowser } from "../support/kit.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ rateLimits: false });
});
afterAll(() => emulator.close());

const alice = () => emulator.fixtures.users[0]!;
const bob = () => emulator.fixtures.users[1]!;

describe.each(FRAMEWORKS)("sign in with Polar through %s", (framework) => {
  const kits: Kit[] = [];
  const start = async (
    options: Omit<Parameters<typeof startKit>[0], "framework" | "emulator"> = {},
  ) => {
    const kit = await startKit({ framework, emulator, ...options });
    kits.push(kit);
    return kit;
  };
  afterAll(() => Promise.all(kits.map((k) => k.close())));

  describe.each(["client_secret_post", "client_secret_basic", "none"] as const)(
    "%s client",
    (authMethod) => {
      it("signs in, lands on returnTo, and shows the user", async () => {
        const kit = await start({ authMethod });
        const browser = new TestBrowser();
        const { login, callback } = await signIn(browser, kit, {
          user: alice().email,
          returnTo: "/dashboard",
        });

        const authorize = new URL(login.headers.get("location")!);
        expect(authorize.origin + authorize.pathname).toBe(`${emulator.url}/oauth2/authorize`);
        expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
        expect(authorize.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
        expect(authorize.searchParams.get("sub_type")).toBe("user");
        expect(authorize.searchParams.get("redirect_uri")).toBe(`${kit.url}/auth/callback`);
        expect(authorize.searchParams.get("nonce")).toBeTruthy();

        expect(callback.status).toBe(302);
        expect(callback.headers.get("location")).toBe(`${kit.url}/dashboard`);
        const dashboard = await browser.get(`${kit.url}/dashboard`);
        expect(dashboard.status).toBe(200);
        const session = await jsonOf(dashboard);
        expect(session.user).toMatchObject({
          sub: alice().id,
          email: alice().email,
          emailVerified: true,
        });
        expect(session.subType).toBe("user");
        expect(session.scopes).toEqual(expect.arrayContaining(["openid", "email"]));
        expect(JSON.stringify(session)).not.toMatch(/polar_(at|rt)_/);
      });
    },
  );

  it("marks cookies HttpOnly and SameSite=Lax, scopes the transaction cookie to the callback", async () => {
    const kit = await start();
    const browser = new TestBrowser();
    const { login, callback } = await signIn(browser, kit, { user: alice().email });
    const tx = login.headers.getSetCookie().find((c) => c.includes("_tx_"))!;
    expect(tx).toMatch(/Path=\/auth\/callback/);
    expect(tx).toMatch(/HttpOnly/);
    expect(tx).toMatch(/SameSite=Lax/);
    expect(tx).toMatch(/Max-Age=600/);
    const cookies = callback.headers.getSetCookie();
    expect(cookies.find((c) => c.includes("_tx_"))).toMatch(/Max-Age=0/);
    const session = cookies.find((c) => c.startsWith("polar_session="))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session.length).toBeLessThan(4096);
  });

  describe("sub_type=organization: the user, limited to the organization they pick", () => {
    const aliceLabs = () => emulator.fixtures.organizations.find((o) => o.slug === "alice-labs")!;
    const acme = () => emulator.fixtures.organizations.find((o) => o.slug === "acme")!;

    it.each([
      ["client_secret_post", "introspection"],
      ["none", "the organizations API"],
    ] as const)(
      "%s client: user sub, and the organization (via %s) in the session and /auth/me",
      async (authMethod, _source) => {
        const kit = await start({
          subType: "organization",
          authMethod,
          scopes: "openid email organizations:read",
        });
        const browser = new TestBrowser();
        emulator.resetStats();
        const { login } = await signIn(browser, kit, {
          user: alice().email,
          organizationId: aliceLabs().id,
        });
        const authorize = new URL(login.headers.get("location")!);
        expect(authorize.searchParams.get("sub_type")).toBe("organization");
        expect(authorize.searchParams.get("prompt")).toBe("consent");
        const session = await jsonOf(await browser.get(`${kit.url}/dashboard`));
        expect(session.subType).toBe("organization");
        expect(session.user).toMatchObject({ sub: alice().id, email: alice().email });
        expect(session.organization).toEqual({
          id: aliceLabs().id,
          name: "Alice Labs",
          slug: "alice-labs",
        });
        const me = await jsonOf(await browser.get(`${kit.url}/auth/me`));
        expect(me.organization).toEqual(session.organization);
        // Resolved once, at sign-in: later requests ask Polar nothing.
        const { requests } = emulator.stats();
        expect(requests.introspect).toBe(authMethod === "none" ? 0 : 1);
        expect(requests.organizations).toBe(1);
        await browser.get(`${kit.url}/dashboard`);
        expect(emulator.stats().requests.organizations).toBe(1);
      },
    );

    it("prompt: consent by default and instead of none (the picker must show); login is kept", async () => {
      const kit = await start({ subType: "organization" });
      const promptOf = async (query: string) => {
        const login = await fetch(`${kit.url}/auth/login${query}`, { redirect: "manual" });
        return new URL(login.headers.get("location")!).searchParams.get("prompt");
      };
      expect(await promptOf("")).toBe("consent");
      expect(await promptOf("?prompt=none")).toBe("consent");
      expect(await promptOf("?prompt=login")).toBe("login");
    });

    it("prompt=none is not sent to Polar (it has no silent sign-in): no prompt, and one warning that says why", async () => {
      const kit = await start();
      const browser = new TestBrowser();
      for (let i = 0; i < 2; i++) {
        const login = await browser.get(`${kit.url}/auth/login?prompt=none`);
        expect(login.status).toBe(302);
        expect(new URL(login.headers.get("location")!).searchParams.has("prompt")).toBe(false);
      }
      expect(kit.logs.filter((line) => line.includes("prompt=none"))).toEqual([
        expect.stringContaining("Polar has no silent sign-in"),
      ]);
    });

    it("a confidential client without organizations:read knows the organization's id only", async () => {
      const kit = await start({ subType: "organization", scopes: "openid email" });
      const browser = new TestBrowser();
      await signIn(browser, kit, { user: alice().email, organizationId: acme().id });
      const session = await jsonOf(await browser.get(`${kit.url}/dashboard`));
      expect(session.user.sub).toBe(alice().id);
      expect(session.organization).toEqual({ id: acme().id });
    });

    it("a public client without organizations:read cannot know it, and the kit says so at startup", async () => {
      const kit = await start({
        subType: "organization",
        authMethod: "none",
        scopes: "openid email",
      });
      expect(kit.logs.join("\n")).toMatch(/warn .*session\.organization stays undefined/);
      const browser = new TestBrowser();
      await signIn(browser, kit, { user: alice().email, organizationId: acme().id });
      const session = await jsonOf(await browser.get(`${kit.url}/dashboard`));
      expect(session.subType).toBe("organization");
      expect(session.user.sub).toBe(alice().id);
      expect(session.organization).toBeUndefined();
    });

    it("the same user signs in with an organization twice: prompt=consent brings the picker back", async () => {
      const kit = await start({ subType: "organization", scopes: "openid organizations:read" });
      const polarSession = new BrowserSession();
      const first = new TestBrowser();
      await signIn(first, kit, { user: alice().email, organizationId: acme().id, polarSession });
      expect((await jsonOf(await first.get(`${kit.url}/dashboard`))).organization.id).toBe(
        acme().id,
      );
      const second = new TestBrowser();
      const { callback } = await signIn(second, kit, {
        organizationId: aliceLabs().id,
        polarSession,
      });
      expect(callback.status).toBe(302);
      const session = await jsonOf(await second.get(`${kit.url}/dashboard`));
      expect(session.user.sub).toBe(alice().id);
      expect(session.organization).toMatchObject({ id: aliceLabs().id, slug: "alice-labs" });
    });
  });

  it("two tabs signing in at once both complete", async () => {
    const kit = await start();
    const browser = new TestBrowser();
    const first = await browser.get(`${kit.url}/auth/login?returnTo=/one`);
    const second = await browser.get(`${kit.url}/auth/login?returnTo=/two`);
    const { completeAuthorization } = await import("@polar-oauth/emulator");
    const a = await completeAuthorization(first.headers.get("location")!, { user: alice().email });
    const b = await completeAuthorization(second.headers.get("location")!, { user: alice().email });
    const callbackB = await browser.get(b.redirectTo);
    const callbackA = await browser.get(a.redirectTo);
    expect(callbackB.headers.get("location")).toBe(`${kit.url}/two`);
    expect(callbackA.headers.get("location")).toBe(`${kit.url}/one`);
  });

  it("clears abandoned sign-in attempts when too many pile up, keeping the callback's header small", async () => {
    const kit = await start();
    const browser = new TestBrowser();
    const { completeAuthorization } = await import("@polar-oauth/emulator");
    const logins = [];
    for (let i = 0; i < 6; i++)
      logins.push(await browser.get(`${kit.url}/auth/login?returnTo=/${i}`));
    const callbackUrl = new URL(`${kit.url}/auth/callback`);
    expect(browser.cookieHeader(callbackUrl).match(/_tx_/g)).toHaveLength(6);
    const { redirectTo } = await completeAuthorization(logins[5]!.headers.get("location")!, {
      user: alice().email,
    });
    const callback = await browser.get(redirectTo);
    expect(callback.headers.get("location")).toBe(`${kit.url}/5`);
    expect(browser.cookieHeader(callbackUrl)).not.toMatch(/_tx_/);
  });

  it("clearing abandoned attempts writes only cookie names the kit makes, never the request's odd ones", async () => {
    const kit = await start();
    const browser = new TestBrowser();
    const { completeAuthorization } = await import("@polar-oauth/emulator");
    const logins = [];
    for (let i = 0; i < 5; i++) logins.push(await browser.get(`${kit.url}/auth/login`));
    const callbackUrl = new URL(`${kit.url}/auth/callback`);
    const prefix = /(\S+_tx_)/.exec(browser.cookieHeader(callbackUrl))![1]!;
    const odd = [`${prefix}a,b`, `${prefix}"quoted"`, `${prefix}x y`, `${prefix}${"A".repeat(40)}`];
    const { redirectTo } = await completeAuthorization(logins[4]!.headers.get("location")!, {
      user: alice().email,
    });
    const cookie = [browser.cookieHeader(callbackUrl), ...odd.map((n) => `${n}=1`)].join("; ");
    const callback = await fetch(redirectTo, { headers: { cookie }, redirect: "manual" });
    expect(callback.status).toBe(302);
    const names = callback.headers.getSetCookie().map((c) => c.slice(0, c.indexOf("=")));
    const cleared = names.filter((n) => n.startsWith(prefix));
    expect(cleared).toHaveLength(5); // the four other genuine attempts, and this one's own
    for (const name of cleared) expect(name).toMatch(/_tx_[A-Za-z0-9_-]{16}$/);
  });

  it("without openid (no id_token): the user comes from userinfo", async () => {
    const kit = await start({ scopes: "email" });
    const browser = new TestBrowser();
    const { login, callback } = await signIn(browser, kit, { user: alice().email });
    expect(new URL(login.headers.get("location")!).searchParams.has("nonce")).toBe(false);
    expect(callback.status).toBe(302);
    const session = await jsonOf(await browser.get(`${kit.url}/dashboard`));
    expect(session.user).toEqual({ sub: alice().id, email: alice().email, emailVerified: true });
  });

  it("a signed-in user skips Polar on /auth/login", async () => {
    const kit = await start();
    const browser = new TestBrowser();
    await signIn(browser, kit, { user: alice().email });
    emulator.resetStats();
    const again = await browser.get(`${kit.url}/auth/login?returnTo=/dashboard`);
    expect(again.status).toBe(302);
    expect(again.headers.get("location")).toBe(`${kit.url}/dashboard`);
    expect(emulator.stats().requests.authorize).toBe(0);
  });

  it.each([
    ["//evil.example/x"],
    ["/\\evil.example"],
    ["https://evil.example/"],
    ["javascript:alert(1)"],
    ["/%2F%2Fevil.example"],
    ["/\t/evil.example"],
  ])("never sends the browser off-origin for returnTo %j", async (returnTo) => {
    const kit = await start();
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, kit, { user: alice().email, returnTo });
    expect(callback.status).toBe(302);
    expect(new URL(callback.headers.get("location")!).origin).toBe(kit.url);
  });

  it("refuses a replayed callback and creates no second session", async () => {
    const kit = await start();
    const browser = new TestBrowser();
    const attacker = new TestBrowser();
    const { login } = await signIn(browser, kit, { user: alice().email });
    expect(login.status).toBe(302);
    // The attacker holds the browser's transaction cookie from before the callback.
    const stolen = new TestBrowser();
    const second = await stolen.get(`${kit.url}/auth/login`);
    const { completeAuthorization } = await import("@polar-oauth/emulator");
    const { redirectTo } = await completeAuthorization(second.headers.get("location")!, {
      user: alice().email,
    });
    for (const cookie of stolen.cookies) attacker.setCookie(cookie);
    const first = await stolen.get(redirectTo);
    expect(first.status).toBe(302);
    const replay = await attacker.get(redirectTo);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("already used");
    expect(replay.headers.getSetCookie().some((c) => c.startsWith("polar_session="))).toBe(false);
  });

  it.each([
    ["without state", (u: URL) => u.searchParams.delete("state"), "missing_state"],
    [
      "with another state",
      (u: URL) => u.searchParams.set("state", "forged-state-value"),
      "transaction_missing",
    ],
    [
      "with a forged code",
      (u: URL) => u.searchParams.set("code", "polar_ac_forged"),
      "token_exchange_failed",
    ],
  ])("answers a callback %s with a 4xx page and no session", async (_name, tamper, code) => {
    const kit = await start();
    const browser = new TestBrowser();
    const login = await browser.get(`${kit.url}/auth/login`);
    const { completeAuthorization } = await import("@polar-oauth/emulator");
    const { redirectTo } = await completeAuthorization(login.headers.get("location")!, {
      user: alice().email,
    });
    tamper(redirectTo);
    const callback = await browser.get(redirectTo);
    expect(callback.status).toBe(400);
    const body = await callback.text();
    expect(body).toContain(code);
    expect(body).not.toMatch(/at .*\.ts:\d+/);
    expect(callback.headers.getSetCookie().some((c) => c.startsWith("polar_session="))).toBe(false);
    expect((await browser.get(`${kit.url}/auth/me`)).status).toBe(401);
  });

  it("answers a callback without the transaction cookie (other browser) with 400", async () => {
    const kit = await start();
    const browser = new TestBrowser();
    const login = await browser.get(`${kit.url}/auth/login`);
    const { completeAuthorization } = await import("@polar-oauth/emulator");
    const { redirectTo } = await completeAuthorization(login.headers.get("location")!, {
      user: alice().email,
    });
    const other = new TestBrowser();
    const callback = await other.get(redirectTo);
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain("transaction_missing");
  });

  it("turns a denial at Polar into a friendly 4xx page, or a redirect when configured", async () => {
    const kit = await start();
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, kit, { user: alice().email, decision: "deny" });
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain("You declined to sign in with Polar.");

    const redirecting = await start({ options: { loginErrorPath: "/signin-failed" } });
    const other = new TestBrowser();
    const denied = await signIn(other, redirecting, { user: alice().email, decision: "deny" });
    expect(denied.callback.status).toBe(302);
    const target = new URL(denied.callback.headers.get("location")!);
    expect(target.pathname).toBe("/signin-failed");
    expect(target.searchParams.get("error")).toBe("access_denied");
  });

  it("protects routes: pages redirect to login, APIs get 401, missing scopes 403", async () => {
    const kit = await start();
    const browser = new TestBrowser();
    const page = await browser.get(`${kit.url}/dashboard?tab=1`);
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(
      `${kit.url}/auth/login?returnTo=%2Fdashboard%3Ftab%3D1`,
    );
    const api = await browser.get(`${kit.url}/dashboard`, { accept: "application/json" });
    expect(api.status).toBe(401);
    expect(page.headers.getSetCookie()).toEqual([]);
    expect(api.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await jsonOf(api)).toMatchObject({ error: "unauthenticated" });
    await signIn(browser, kit, { user: alice().email });
    const orders = await browser.get(`${kit.url}/api/orders`, { accept: "application/json" });
    expect(orders.status).toBe(403);
    expect(await jsonOf(orders)).toEqual({
      error: "insufficient_scope",
      missing: ["orders:write"],
    });
  });

  it("GET /auth/me: the user, subType and scopes, never tokens; 401 when signed out", async () => {
    const kit = await start();
    const browser = new TestBrowser();
    expect((await browser.get(`${kit.url}/auth/me`)).status).toBe(401);
    await signIn(browser, kit, { user: bob().email });
    const me = await browser.get(`${kit.url}/auth/me`);
    expect(me.status).toBe(200);
    expect(me.headers.get("cache-control")).toBe("no-store");
    const body = await jsonOf(me);
    expect(body.user.email).toBe(bob().email);
    expect(JSON.stringify(body)).not.toMatch(/polar_(at|rt)_|accessToken"|refreshToken/);
  });
});
