import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORKS, type KitApp } from "../support/apps.js";
import { jsonOf } from "../support/browser.js";
import {
  hostileSignIn,
  rawRequest,
  SESSION_SECRET,
  STACK_TRACE,
  setsSession,
  startHostileApp,
  startHostileLogin,
  TestBrowser,
} from "./support/harness.js";
import { type HostilePolar, startHostilePolar } from "./support/hostile-polar.js";
import { fakeClock, flipChar, sealWith, unsealWith } from "./support/seals.js";

/**
 * Cookie attacks: the session and transaction cookies tampered with, truncated, re-sealed
 * with another secret, expired, oversized, swapped between users, replayed, taken from
 * another app, duplicated. Every one is refused cleanly: no session, a 4xx (or the login
 * redirect of a protected page), no 5xx, no stack trace.
 */
let hostile: HostilePolar;
beforeAll(async () => {
  hostile = await startHostilePolar();
});
afterAll(() => hostile.close());

const OTHER_SECRET = "another-apps-session-secret-0123456789abcdef";

/** Asks every route that reads the session with `cookie`; all must treat it as signed out. */
async function expectRefused(app: { url: string }, cookie: string): Promise<void> {
  const headers = { cookie };
  const me = await fetch(`${app.url}/auth/me`, { headers });
  expect(me.status).toBe(401);
  expect(setsSession(me)).toBe(false);
  const page = await fetch(`${app.url}/dashboard`, {
    headers: { ...headers, accept: "text/html" },
    redirect: "manual",
  });
  expect(page.status).toBe(302);
  expect(new URL(page.headers.get("location")!).pathname).toBe("/auth/login");
  const api = await fetch(`${app.url}/api/token`, {
    headers: { ...headers, accept: "application/json" },
  });
  expect(api.status).toBe(401);
  const login = await fetch(`${app.url}/auth/login`, { headers, redirect: "manual" });
  // Not signed in: the login goes to Polar rather than straight to returnTo.
  expect(login.status).toBe(302);
  expect(login.headers.get("location")).toContain("/oauth2/authorize");
  const logout = await fetch(`${app.url}/auth/logout`, {
    method: "POST",
    headers: { ...headers, origin: app.url, accept: "application/json" },
  });
  expect(logout.status).toBe(204);
  for (const answer of [me, page, api, login, logout]) {
    const body = await answer.text();
    expect(body).not.toMatch(STACK_TRACE);
  }
}

/** The `Cookie` header value for a session cookie. */
const session = (value: string) => `polar_session=${value}`;

describe.each(FRAMEWORKS)("cookie attacks through %s", (framework) => {
  let app: KitApp;
  let browser: TestBrowser;
  let seal: string;
  beforeAll(async () => {
    app = await startHostileApp(framework, hostile);
    browser = new TestBrowser();
    await hostileSignIn(browser, app, { user: "alice" });
    seal = browser.cookie("polar_session")!.value;
  });
  afterAll(() => app.close());

  it("control: the genuine cookie is signed in", async () => {
    const me = await fetch(`${app.url}/auth/me`, { headers: { cookie: session(seal) } });
    expect(me.status).toBe(200);
    expect((await jsonOf(me)).user.email).toBe("alice@hostile.test");
  });

  describe("session cookie", () => {
    it.each([
      ["a flipped character in the middle", (s: string) => flipChar(s)],
      ["a flipped character in the HMAC", (s: string) => flipChar(s, s.indexOf("~") - 3)],
      ["a flipped character in the password id", (s: string) => flipChar(s, 8)],
      ["truncated to half", (s: string) => s.slice(0, s.length / 2)],
      ["without its last character", (s: string) => s.slice(0, -1)],
      ["without the iron version suffix", (s: string) => s.replace(/~2$/, "")],
      ["quoted", (s: string) => `"${s}"`],
      ["percent-encoded", (s: string) => encodeURIComponent(s).replaceAll("*", "%2A")],
      ["empty", () => ""],
      ["8 KB of junk", () => "Fe26.2*".padEnd(8192, "A")],
      ["just over 8 KB of a real seal", (s: string) => s.padEnd(8200, "A")],
    ])("%s", async (_name, tamper) => {
      await expectRefused(app, session(tamper(seal)));
    });

    it("re-sealed with another secret (same content)", async () => {
      const data = await unsealWith(seal, SESSION_SECRET);
      expect(data.user).toMatchObject({ sub: expect.stringMatching(/\S/) });
      await expectRefused(app, session(await sealWith(data, OTHER_SECRET)));
    });

    it("re-sealed with another secret under the kit's own password id", async () => {
      const data = await unsealWith(seal, SESSION_SECRET);
      const { passwordId } = await import("./support/seals.js");
      const forged = await sealWith(data, OTHER_SECRET, { id: passwordId(SESSION_SECRET) });
      await expectRefused(app, session(forged));
    });

    it("from another app (other secret, other cookie name)", async () => {
      const other = await startHostileApp(framework, hostile, {
        session: { secrets: OTHER_SECRET, cookieName: "other_session" },
      });
      const elsewhere = new TestBrowser();
      await hostileSignIn(elsewhere, other, { user: "bob" });
      const foreign = elsewhere.cookie("other_session")!.value;
      await other.close();
      await expectRefused(app, `other_session=${foreign}`);
      await expectRefused(app, session(foreign));
    });

    it("a transaction cookie presented as the session cookie (same secret, other purpose)", async () => {
      const attempt = new TestBrowser();
      const { login } = await startHostileLogin(attempt, app);
      const tx = login.headers.getSetCookie().find((c) => c.includes("_tx_"))!;
      const value = tx.split(";")[0]!.split("=")[1]!;
      await expectRefused(app, session(value));
    });

    it("an 8 KB cookie header in all (many cookies) does not break the session read", async () => {
      const filler = Array.from({ length: 80 }, (_, i) => `junk${i}=${"x".repeat(90)}`).join("; ");
      await expectRefused(app, `${filler}; ${session(flipChar(seal))}`);
      const me = await fetch(`${app.url}/auth/me`, {
        headers: { cookie: `${filler}; ${session(seal)}` },
      });
      expect(me.status).toBe(200);
    });

    it("a cookie header over Node's header limit gets a 431 from Node, not a 5xx", async () => {
      const answer = await rawRequest(app.url, {
        path: "/auth/me",
        headers: { cookie: session("A".repeat(20_000)) },
      });
      expect(answer.status).toBe(431);
    });

    it("duplicate session cookies: the first wins, junk first means signed out, never a crash", async () => {
      await expectRefused(app, `${session("junk")}; ${session(seal)}`);
      const first = await fetch(`${app.url}/auth/me`, {
        headers: { cookie: `${session(seal)}; ${session("junk")}` },
      });
      expect(first.status).toBe(200);
      // Two Cookie header lines (Node joins them with "; ").
      const twoLines = await rawRequest(app.url, {
        path: "/auth/me",
        headers: { cookie: [session("junk"), session(seal)] as unknown as string },
      });
      expect(twoLines.status).toBe(401);
    });
  });

  describe("transaction cookie", () => {
    it.each([
      ["a flipped character", (s: string) => flipChar(s)],
      ["truncated", (s: string) => s.slice(0, 40)],
      ["8 KB of junk", () => "Fe26.2*".padEnd(8192, "A")],
      ["empty", () => ""],
    ])("%s: the callback is refused", async (_name, tamper) => {
      const attempt = new TestBrowser();
      const { callback } = await hostileSignIn(attempt, app, {
        beforeCallback: (_url, b) => {
          const tx = b.cookies.find((c) => c.name.includes("_tx_"))!;
          b.setCookie({ ...tx, value: tamper(tx.value) });
        },
      });
      expect(callback.status).toBe(400);
      expect(await callback.text()).toMatch(/transaction_(invalid|missing)/);
      expect(setsSession(callback)).toBe(false);
    });

    it("re-sealed with another secret: the callback is refused", async () => {
      const attempt = new TestBrowser();
      const { callback } = await hostileSignIn(attempt, app, {
        beforeCallback: async (_url, b) => {
          const tx = b.cookies.find((c) => c.name.includes("_tx_"))!;
          const data = await unsealWith(tx.value, SESSION_SECRET);
          expect(data.purpose).toBe("polar-login");
          b.setCookie({ ...tx, value: await sealWith(data, OTHER_SECRET) });
        },
      });
      expect(callback.status).toBe(400);
      expect(await callback.text()).toContain("transaction_invalid");
      expect(setsSession(callback)).toBe(false);
    });

    it("the session cookie presented as the transaction cookie: refused", async () => {
      const attempt = new TestBrowser();
      const { callback } = await hostileSignIn(attempt, app, {
        beforeCallback: (_url, b) => {
          const tx = b.cookies.find((c) => c.name.includes("_tx_"))!;
          b.setCookie({ ...tx, value: seal });
        },
      });
      expect(callback.status).toBe(400);
      expect(await callback.text()).toContain("transaction_invalid");
      expect(setsSession(callback)).toBe(false);
    });

    it("Alice's transaction cookie with Bob's callback: refused, as is and renamed", async () => {
      const alice = new TestBrowser();
      const bob = new TestBrowser();
      const aliceLogin = await startHostileLogin(alice, app, { user: "alice" });
      const bobLogin = await startHostileLogin(bob, app, { user: "bob" });
      const aliceTx = alice.cookies.find((c) => c.name.includes("_tx_"))!;
      const bobTx = bob.cookies.find((c) => c.name.includes("_tx_"))!;

      // Alice's browser follows Bob's callback (login CSRF): no transaction for that state.
      const asIs = await alice.get(bobLogin.callbackUrl);
      expect(asIs.status).toBe(400);
      expect(await asIs.text()).toContain("transaction_missing");
      expect(setsSession(asIs)).toBe(false);

      // Alice's sealed transaction under the name of Bob's: its state is not Bob's.
      const renamed = new TestBrowser();
      renamed.setCookie({ ...aliceTx, name: bobTx.name });
      const swapped = await renamed.get(bobLogin.callbackUrl);
      expect(swapped.status).toBe(400);
      expect(await swapped.text()).toContain("state_mismatch");
      expect(setsSession(swapped)).toBe(false);

      // Both genuine sign-ins still complete, each as its own user.
      const aliceDone = await alice.get(aliceLogin.callbackUrl);
      const bobDone = await bob.get(bobLogin.callbackUrl);
      expect(aliceDone.status).toBe(302);
      expect(bobDone.status).toBe(302);
      expect((await jsonOf(await alice.get(`${app.url}/auth/me`))).user.email).toBe(
        "alice@hostile.test",
      );
      expect((await jsonOf(await bob.get(`${app.url}/auth/me`))).user.email).toBe(
        "bob@hostile.test",
      );
    });

    it("replayed after success: with the same code, and with a fresh code for the same state", async () => {
      const victim = new TestBrowser();
      let stolen!: TestBrowser;
      const { callback, callbackUrl, authorizeUrl } = await hostileSignIn(victim, app, {
        beforeCallback: (_url, b) => {
          stolen = b.clone();
        },
      });
      expect(callback.status).toBe(302);
      const again = await stolen.clone().get(callbackUrl);
      expect(again.status).toBe(400);
      expect(await again.text()).toContain("replayed_callback");
      expect(setsSession(again)).toBe(false);

      // Polar issues another code for the very same authorization request (same state).
      const second = await fetch(authorizeUrl, { redirect: "manual" });
      const fresh = await stolen.clone().get(new URL(second.headers.get("location")!));
      expect(fresh.status).toBe(400);
      expect(await fresh.text()).toContain("replayed_callback");
      expect(setsSession(fresh)).toBe(false);
    });
  });

  describe("expiry on the kit's clock", () => {
    it("a session cookie past its idle timeout is refused", async () => {
      const clock = fakeClock();
      const timed = await startHostileApp(
        framework,
        hostile,
        { session: { secrets: SESSION_SECRET, idleTimeoutSeconds: 3600 } },
        { now: clock.now },
      );
      const b = new TestBrowser();
      await hostileSignIn(b, timed);
      const cookie = session(b.cookie("polar_session")!.value);
      clock.advance(3601);
      await expectRefused(timed, cookie);
      await timed.close();
    });

    it("a transaction cookie older than 10 minutes is refused", async () => {
      const clock = fakeClock();
      const timed = await startHostileApp(framework, hostile, {}, { now: clock.now });
      const b = new TestBrowser();
      const { callback } = await hostileSignIn(b, timed, {
        beforeCallback: () => clock.advance(601),
      });
      expect(callback.status).toBe(400);
      expect(await callback.text()).toContain("transaction_invalid");
      expect(setsSession(callback)).toBe(false);
      await timed.close();
    });
  });

  // A defect found here, in session/seal.ts (not ours to change): iron-session's unsealData
  // reads only the first two "~"-separated parts, so anything appended after the "~2" suffix
  // was ignored and `<seal>~2<junk>` opened as the same session: one valid session gave endless
  // distinct valid cookie strings, each a fresh unseal and a fresh seal-cache entry (evicting
  // other users'). The fix (a seal must be exactly one iron seal plus "~2") belongs to the
  // session read-path rewrite in session/seal.ts; these tests pin it.
  it.each([
    ["a doubled seal", (s: string) => s + s],
    ["junk after the version suffix", (s: string) => `${s}junk`],
  ])("session cookie with %s is refused", async (_name, tamper) => {
    await expectRefused(app, session(tamper(seal)));
  });

  // Sessions are bound to the Polar client that created them: two apps sharing SESSION_SECRET
  // (say staging and production) refuse each other's session cookies, even renamed.
  it("a session from another Polar client sharing SESSION_SECRET is refused", async () => {
    const otherPolar = await startHostilePolar();
    const other = await startHostileApp(framework, otherPolar, {
      session: { secrets: SESSION_SECRET, cookieName: "staging_session" },
    });
    const elsewhere = new TestBrowser();
    await hostileSignIn(elsewhere, other, { user: "bob" });
    const foreign = elsewhere.cookie("staging_session")!.value;
    await other.close();
    await otherPolar.close();
    await expectRefused(app, session(foreign));
  });
});
