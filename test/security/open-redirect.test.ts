import { createPolarAuth, safeReturnTo } from "@polar-oauth/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORKS, type KitApp } from "../support/apps.js";
import { startGuardedApp } from "./support/guarded-app.js";
import {
  hostileConfig,
  hostileSignIn,
  rawRequest,
  startHostileApp,
  TestBrowser,
} from "./support/harness.js";
import { type HostilePolar, startHostilePolar } from "./support/hostile-polar.js";

/**
 * Open redirects (RFC 9700 4.11): whatever `returnTo` a link carries, the browser lands on
 * the app's own origin after a full sign-in (and after `/auth/login` for a signed-in user).
 * `APP` stands for the app's origin (`http://127.0.0.1:<port>`), `HOST` for its host.
 */
const VARIANTS: string[] = [
  "//evil.example/x",
  "///evil.example",
  "////evil.example",
  "/\\evil.example",
  "\\/evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "https://evil.example/",
  "HTTPS://evil.example/",
  "http:evil.example",
  "https:/evil.example",
  "https:evil.example",
  "//evil.example%2F..",
  "/%2F%2Fevil.example",
  "/%2f%2fevil.example",
  "%2F%2Fevil.example",
  "/%5Cevil.example",
  "/%5C%5Cevil.example",
  "/%5c/evil.example",
  "/%252F%252Fevil.example",
  "/%25252F%25252Fevil.example",
  "/%252F%255Cevil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "/%09/evil.example",
  "/%0d%0a/evil.example",
  " //evil.example",
  "\u3000//evil.example",
  "\u00a0//evil.example",
  "javascript:alert(document.cookie)",
  "JaVaScRiPt:alert(1)",
  "java\tscript:alert(1)",
  "/javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "vbscript:msgbox(1)",
  "/@evil.example",
  "//@evil.example",
  "https://HOST@evil.example/",
  "//HOST@evil.example",
  "APP@evil.example",
  "APP.evil.example/",
  "\uff0f\uff0fevil.example",
  "/\uff0fevil.example",
  "/%EF%BC%8F%EF%BC%8Fevil.example",
  "\u2215\u2215evil.example",
  "/.//evil.example",
  "/..//evil.example",
  "/./%2F/evil.example",
  "/%2e%2e//evil.example",
  "/%2e/%2fevil.example",
  "/dashboard/../..//evil.example",
  "/\u0000//evil.example",
  `/${"a".repeat(5000)}`,
  "/dashboard#//evil.example",
  "/dashboard?next=//evil.example",
];

/** The variant for this app: `APP`/`HOST` replaced by its origin/host. */
function variantFor(variant: string, app: { url: string }): string {
  return variant.replaceAll("APP", app.url).replaceAll("HOST", new URL(app.url).host);
}

/** A Location is safe when it is absolute on the app's origin with a single-slash path. */
function expectOnOrigin(location: string | null, app: { url: string }): void {
  expect(location).toBeTruthy();
  const target = new URL(location!);
  expect(target.origin).toBe(app.url);
  expect(location!.startsWith(`${app.url}/`)).toBe(true);
  expect(target.pathname.startsWith("//")).toBe(false);
  expect(location).not.toMatch(/[\\\s]/);
}

let hostile: HostilePolar;
beforeAll(async () => {
  hostile = await startHostilePolar();
});
afterAll(() => hostile.close());

it("the table has at least 25 variants", () => {
  expect(VARIANTS.length).toBeGreaterThanOrEqual(25);
});

describe.each(FRAMEWORKS)("open redirects through %s", (framework) => {
  let app: KitApp;
  let guarded: KitApp;
  let signedIn: TestBrowser;
  beforeAll(async () => {
    app = await startHostileApp(framework, hostile);
    guarded = await startGuardedApp(framework, hostileConfig(hostile), { logger: quiet });
    signedIn = new TestBrowser();
    await hostileSignIn(signedIn, app);
  });
  afterAll(async () => {
    await app.close();
    await guarded.close();
  });

  it.each(VARIANTS)("a full sign-in with returnTo %j lands on the app", async (variant) => {
    const browser = new TestBrowser();
    const { callback } = await hostileSignIn(browser, app, { returnTo: variantFor(variant, app) });
    expect(callback.status).toBe(302);
    expectOnOrigin(callback.headers.get("location"), app);
  });

  it.each(VARIANTS)(
    "a signed-in /auth/login with returnTo %j stays on the app",
    async (variant) => {
      const login = new URL("/auth/login", app.url);
      login.searchParams.set("returnTo", variantFor(variant, app));
      const answer = await signedIn.get(login);
      expect(answer.status).toBe(302);
      expectOnOrigin(answer.headers.get("location"), app);
    },
  );

  it.each([
    "//evil.example",
    "//evil.example/dashboard",
    "/\\evil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "/.//evil.example",
    "/..//evil.example",
    "/%2e%2e//evil.example",
    "/@evil.example",
    "/dashboard?returnTo=//evil.example",
    "/%EF%BC%8F%EF%BC%8Fevil.example",
    "http://evil.example/dashboard",
    `/${"x".repeat(3000)}`,
  ])(
    "requireAuth's login redirect for path %j keeps returnTo on the app, through sign-in",
    async (path) => {
      const answer = await rawRequest(guarded.url, { path, headers: { accept: "text/html" } });
      expect(answer.status).toBe(302);
      const login = new URL(String(answer.headers.location));
      expect(login.origin).toBe(guarded.url);
      expect(login.pathname).toBe("/auth/login");
      const returnTo = login.searchParams.get("returnTo");
      if (returnTo !== null) {
        expect(safeReturnTo(returnTo, guarded.url)).toBeDefined();
      }
      const browser = new TestBrowser();
      const { callback } = await hostileSignIn(browser, guarded, {
        ...(returnTo === null ? {} : { returnTo }),
      });
      expect(callback.status).toBe(302);
      expectOnOrigin(callback.headers.get("location"), guarded);
    },
  );
});

describe("requireAuth's guard in core, for any request URL an adapter could pass", () => {
  const origin = "http://127.0.0.1:3000";
  const auth = createPolarAuth(
    hostileConfig({
      url: "http://127.0.0.1:9",
      clientId: "polar_ci_x",
      clientSecret: "polar_cs_x",
    })(origin),
    {
      logger: quiet,
    },
  );

  it.each([...VARIANTS, "/dashboard", "/a/b?c=d#e"])("request URL %j", async (variant) => {
    const url = variant.replaceAll("APP", origin).replaceAll("HOST", "127.0.0.1:3000");
    const request = { method: "GET", url, headers: { accept: "text/html" } };
    const context = await auth.context(request, () => {});
    const denial = context.authorize();
    expect(denial?.status).toBe(302);
    const login = new URL(denial!.headers.location!);
    expect(login.origin).toBe(origin);
    const returnTo = login.searchParams.get("returnTo");
    if (returnTo !== null) {
      const target = new URL(returnTo, origin);
      expect(target.origin).toBe(origin);
      expect(returnTo.startsWith("/")).toBe(true);
      expect(returnTo.startsWith("//")).toBe(false);
      expect(returnTo).not.toMatch(/[\\\s]/);
    }
  });
});

const quiet = { info() {}, warn() {}, error() {} };
