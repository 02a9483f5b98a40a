/**
 * `requireScopes` on a browser navigation: a 403 page offering to grant the missing scope;
 * its link signs in again asking Polar for it on top of the configured scopes (incremental
 * authorization) and comes back to the same page. API requests keep the 403 JSON.
 */
import {
  BrowserSession,
  completeAuthorization,
  type Emulator,
  startEmulator,
} from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORKS } from "../support/apps.js";
import { jsonOf } from "../support/browser.js";
import { type Kit, signIn, startKit, TestBrowser } from "../support/kit.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ rateLimits: false });
});
afterAll(() => emulator.close());

const PAGE = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

describe.each(FRAMEWORKS)("incremental authorization through %s", (framework) => {
  const kits: Kit[] = [];
  afterAll(() => Promise.all(kits.map((k) => k.close())));
  const start = async () => {
    const kit = await startKit({ framework, emulator });
    kits.push(kit);
    return kit;
  };

  it("a page without the scope offers to grant it; the grant comes back to the page with the scope", async () => {
    const kit = await start();
    const browser = new TestBrowser();
    const polarSession = new BrowserSession();
    const user = emulator.fixtures.users[0]!.email;
    await signIn(browser, kit, { user, polarSession });

    const page = await browser.get(`${kit.url}/api/orders?tab=open`, PAGE);
    expect(page.status).toBe(403);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-store");
    const body = await page.text();
    expect(body).toContain("<code>orders:write</code>");
    const link = /href="([^"]+)"/.exec(body)?.[1]?.replaceAll("&amp;", "&");
    expect(link).toBe("/auth/login?returnTo=%2Fapi%2Forders%3Ftab%3Dopen&scope=orders%3Awrite");

    // The API form of the same request keeps the JSON answer.
    const api = await browser.get(`${kit.url}/api/orders`, { accept: "application/json" });
    expect(api.status).toBe(403);
    expect(await jsonOf(api)).toEqual({ error: "insufficient_scope", missing: ["orders:write"] });

    // Following the link: Polar is asked for the configured scopes plus the missing one, even
    // though the user is signed in (and Polar remembers the earlier consent).
    const login = await browser.get(new URL(link!, kit.url));
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get("location")!);
    expect(authorize.origin).toBe(emulator.url);
    expect(authorize.searchParams.get("scope")).toBe("openid profile email orders:write");
    const { redirectTo } = await completeAuthorization(authorize, {
      user,
      session: polarSession,
    });
    const callback = await browser.get(redirectTo);
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe(`${kit.url}/api/orders?tab=open`);

    const granted = await browser.get(`${kit.url}/api/orders?tab=open`, PAGE);
    expect(granted.status).toBe(200);
    expect(await granted.text()).toBe("orders");
    const me = await jsonOf(await browser.get(`${kit.url}/auth/me`));
    expect(me.scopes).toEqual(expect.arrayContaining(["openid", "orders:write"]));

    // Signed in with the scope: the same link goes straight back, without Polar.
    const again = await browser.get(new URL(link!, kit.url));
    expect(again.headers.get("location")).toBe(`${kit.url}/api/orders?tab=open`);
  });

  it("the login link asks only for scopes Polar knows, and keeps returnTo safe", async () => {
    const kit = await start();
    const browser = new TestBrowser();
    await signIn(browser, kit, { user: emulator.fixtures.users[0]!.email });
    const login = await browser.get(
      `${kit.url}/auth/login?returnTo=${encodeURIComponent("//evil.example/x")}&scope=${encodeURIComponent("orders:read admin:all openid")}`,
    );
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get("location")!);
    expect(authorize.searchParams.get("scope")).toBe("openid profile email orders:read");
    const { redirectTo } = await completeAuthorization(authorize, {
      user: emulator.fixtures.users[0]!.email,
    });
    const callback = await browser.get(redirectTo);
    expect(callback.headers.get("location")).toBe(`${kit.url}/`);
  });

  it("a request that does not ask for HTML gets the 403 JSON", async () => {
    const kit = await start();
    const browser = new TestBrowser();
    await signIn(browser, kit, { user: emulator.fixtures.users[0]!.email });
    for (const headers of [{ accept: "*/*" }, { accept: "application/json, text/plain" }]) {
      const answer = await browser.get(`${kit.url}/api/orders`, headers);
      expect(answer.status).toBe(403);
      expect(await jsonOf(answer)).toEqual({
        error: "insufficient_scope",
        missing: ["orders:write"],
      });
    }
  });
});
