import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORKS } from "../support/apps.js";
import { closeAfterEach } from "../support/close-after-each.js";
import { hostileSignIn, SESSION_SECRET, startHostileApp, TestBrowser } from "./support/harness.js";
import { type HostilePolar, startHostilePolar } from "./support/hostile-polar.js";
import { JarBrowser } from "./support/jar-browser.js";

/**
 * Cookies a sibling origin cannot plant (issue 12, item 2). The app is served at
 * `https://app.example.com`; the attacker controls `https://evil.example.com` and can set
 * cookies for `example.com` (Domain=) and for longer paths. Over https the kit's cookies are
 * `__Host-` cookies and the kit reads only those names, so nothing the attacker sets is read.
 * A tough-cookie jar plays the browser (it applies Domain, Path, Secure and the prefix rules).
 */
const APP = "https://app.example.com";
const EVIL = "https://evil.example.com/";

let hostile: HostilePolar;
beforeAll(async () => {
  hostile = await startHostilePolar();
});
afterAll(() => hostile.close());

const closers = closeAfterEach();

/** Login at the app, Polar's authorize (as `user`), and the callback URL it sends back. */
async function startLogin(browser: JarBrowser, user: string): Promise<URL> {
  const login = await browser.get("/auth/login");
  expect(login.status).toBe(302);
  const authorize = new URL(login.headers.get("location")!);
  authorize.searchParams.set("test_user", user);
  const answer = await fetch(authorize, { redirect: "manual" });
  await answer.body?.cancel();
  const callback = new URL(answer.headers.get("location")!);
  expect(callback.origin).toBe(APP);
  return callback;
}

async function signIn(browser: JarBrowser, user: string): Promise<Response> {
  return browser.get(await startLogin(browser, user));
}

async function me(browser: JarBrowser): Promise<{ status: number; email?: string }> {
  const answer = await browser.get("/auth/me", { accept: "application/json" });
  if (answer.status !== 200) {
    await answer.body?.cancel();
    return { status: answer.status };
  }
  const body = (await answer.json()) as { user: { email: string } };
  return { status: 200, email: body.user.email };
}

/** Set-Cookie lines an attacker on the sibling origin tries, for every name the kit could read. */
function plantings(names: string[], value: string, path = "/"): string[] {
  return names.flatMap((name) => [
    `${name}=${value}; Domain=example.com; Path=${path}; Secure; HttpOnly; SameSite=Lax`,
    // A `__Host-` cookie with a Domain: every browser refuses it.
    `__Host-${name.replace(/^__Host-/, "")}=${value}; Domain=example.com; Path=/; Secure`,
  ]);
}

describe.each(FRAMEWORKS)("cookie planting from a sibling origin through %s", (framework) => {
  const start = async (overrides: Record<string, unknown> = {}) => {
    const app = await startHostileApp(framework, hostile, {
      redirectUri: `${APP}/auth/callback`,
      ...overrides,
    });
    closers.push(() => app.close());
    return app;
  };

  it("over https the kit's cookies are __Host- (Secure, Path=/, no Domain), and sign-in works", async () => {
    const app = await start();
    const browser = new JarBrowser(APP, app.url);
    const login = await browser.get("/auth/login");
    const transaction = login.headers.getSetCookie().find((c) => c.includes("_tx_"))!;
    expect(transaction).toMatch(/^__Host-polar_session_tx_[\w-]{16}=/);
    expect(transaction).toMatch(/; Path=\/;/);
    expect(transaction).toMatch(/; Secure/);
    expect(transaction).not.toMatch(/Domain=/i);
    await login.body?.cancel();
    const callback = await signIn(browser, "alice");
    expect(callback.status).toBe(302);
    const session = callback.headers
      .getSetCookie()
      .find((c) => c.startsWith("__Host-polar_session="));
    expect(session).toMatch(/; Path=\/;.*; HttpOnly; Secure; SameSite=Lax$/);
    expect(await me(browser)).toEqual({ status: 200, email: "alice@hostile.test" });
  });

  it("a session planted for the parent domain (Domain=example.com) is never read", async () => {
    const app = await start();
    const attacker = new JarBrowser(APP, app.url);
    await signIn(attacker, "bob");
    const attackerSeal = (await attacker.cookies()).find((c) => c.name.endsWith("polar_session"))!;
    const victim = new JarBrowser(APP, app.url);
    for (const line of plantings(["polar_session", attackerSeal.name], attackerSeal.value)) {
      await victim.plant(line, EVIL);
    }
    // The browser kept only the unprefixed cookie; the kit does not read that name over https.
    expect((await victim.cookies()).map((c) => c.name)).toEqual(["polar_session"]);
    expect(await me(victim)).toEqual({ status: 401 });
    const dashboard = await victim.get("/dashboard");
    expect(dashboard.status).toBe(302);
    expect(dashboard.headers.get("location")).toMatch(/\/auth\/login/);
  });

  it("a session planted on a longer path cannot shadow the victim's own", async () => {
    const app = await start();
    const attacker = new JarBrowser(APP, app.url);
    await signIn(attacker, "bob");
    const attackerSeal = (await attacker.cookies()).find((c) => c.name.endsWith("polar_session"))!;
    const victim = new JarBrowser(APP, app.url);
    await signIn(victim, "alice");
    for (const line of plantings(["polar_session"], attackerSeal.value, "/auth")) {
      await victim.plant(line, EVIL);
    }
    // The planted cookie comes first in the header (longer path), before the victim's own.
    expect((await victim.cookieHeader("/auth/me")).startsWith("polar_session=")).toBe(true);
    expect(await me(victim)).toEqual({ status: 200, email: "alice@hostile.test" });
  });

  it("login CSRF: the attacker's sign-in attempt planted in the victim's browser does not complete", async () => {
    const app = await start();
    const attacker = new JarBrowser(APP, app.url);
    const callback = await startLogin(attacker, "bob");
    const [transaction] = (await attacker.cookies()).filter((c) => c.name.includes("_tx_"));
    const bare = transaction!.name.replace(/^__Host-/, "");
    const victim = new JarBrowser(APP, app.url);
    for (const line of plantings([bare], transaction!.value)) await victim.plant(line, EVIL);
    for (const line of plantings([bare], transaction!.value, "/auth/callback")) {
      await victim.plant(line, EVIL);
    }
    const answer = await victim.get(callback);
    expect(answer.status).toBe(400);
    expect(answer.headers.getSetCookie().some((c) => /^(__Host-)?polar_session=[^;]/.test(c))).toBe(
      false,
    );
    expect(await me(victim)).toEqual({ status: 401 });
    // The attacker's own browser still completes the attempt: only the planting failed.
    expect((await attacker.get(callback)).status).toBe(302);
    expect(await me(attacker)).toEqual({ status: 200, email: "bob@hostile.test" });
  });

  it("a configured cookieName that already starts with __Host- signs in (not prefixed twice)", async () => {
    const app = await start({
      session: { secrets: SESSION_SECRET, cookieName: "__Host-shop" },
    });
    const browser = new JarBrowser(APP, app.url);
    const callback = await signIn(browser, "alice");
    expect(callback.status).toBe(302);
    expect((await browser.cookies()).map((c) => c.name)).toEqual(["__Host-shop"]);
    expect(await me(browser)).toEqual({ status: 200, email: "alice@hostile.test" });
  });

  it("abandoned sign-in attempts stay few: ten logins without a callback leave at most five", async () => {
    const app = await start();
    const browser = new JarBrowser(APP, app.url);
    for (let i = 0; i < 10; i++) await (await browser.get("/auth/login")).body?.cancel();
    const pending = (await browser.cookies()).filter((c) => c.name.includes("_tx_"));
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.length).toBeLessThanOrEqual(5);
    // Each attempt cookie is small; five of them stay far below Node's 16 KB header limit.
    const header = await browser.cookieHeader("/");
    expect(header.length).toBeLessThan(5 * 700);
    const callback = await signIn(browser, "alice");
    expect(callback.status).toBe(302);
    expect(await me(browser)).toEqual({ status: 200, email: "alice@hostile.test" });
  });

  it("over http (localhost) the cookies keep their bare names and sign-in works", async () => {
    const app = await startHostileApp(framework, hostile);
    closers.push(() => app.close());
    const browser = new TestBrowser();
    const { login, callback } = await hostileSignIn(browser, app);
    expect(
      login.headers
        .getSetCookie()
        .some((c) => /^polar_session_tx_[\w-]{16}=.*Path=\/auth\/callback;/.test(c)),
    ).toBe(true);
    expect(callback.status).toBe(302);
    expect(browser.cookie("polar_session")).toBeDefined();
    expect(browser.cookies.some((c) => c.name.startsWith("__Host-"))).toBe(false);
    const answer = await browser.get(`${app.url}/auth/me`, { accept: "application/json" });
    expect(answer.status).toBe(200);
  });
});
