import { createPolarAuth } from "@polar-oauth/core";
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
 * `APP` stands for the app's origin (`http://127.0.0.1:<port>`), `HOST` for its host. Each
 * variant comes with the exact path it lands on: `FALLBACK` (the default `afterLoginPath`)
 * when refused, else the same-origin path it normalises to (harmless, merely odd-looking).
 */
const FALLBACK = "/";
const LANDINGS: [variant: string, landing: string][] = [
  ["//evil.example/x", FALLBACK],
  ["///evil.example", FALLBACK],
  ["////evil.example", FALLBACK],
  ["/\\evil.example", FALLBACK],
  ["\\/evil.example", FALLBACK],
  ["\\\\evil.example", FALLBACK],
  ["/\\/evil.example", FALLBACK],
  ["https://evil.example/", FALLBACK],
  ["HTTPS://evil.example/", FALLBACK],
  ["http:evil.example", FALLBACK],
  ["https:/evil.example", FALLBACK],
  ["https:evil.example", FALLBACK],
  ["//evil.example%2F..", FALLBACK],
  ["/%2F%2Fevil.example", FALLBACK],
  ["/%2f%2fevil.example", FALLBACK],
  ["%2F%2Fevil.example", FALLBACK],
  ["/%5Cevil.example", FALLBACK],
  ["/%5C%5Cevil.example", FALLBACK],
  ["/%5c/evil.example", FALLBACK],
  ["/%252F%252Fevil.example", FALLBACK],
  ["/%25252F%25252Fevil.example", FALLBACK],
  ["/%252F%255Cevil.example", FALLBACK],
  ["/\t/evil.example", FALLBACK],
  ["/\n/evil.example", FALLBACK],
  ["/\r\n/evil.example", FALLBACK],
  ["/%09/evil.example", FALLBACK],
  ["/%0d%0a/evil.example", FALLBACK],
  [" //evil.example", FALLBACK],
  ["\u3000//evil.example", FALLBACK],
  ["\u00a0//evil.example", FALLBACK],
  ["javascript:alert(document.cookie)", FALLBACK],
  ["JaVaScRiPt:alert(1)", FALLBACK],
  ["java\tscript:alert(1)", FALLBACK],
  ["/javascript:alert(1)", "/javascript:alert(1)"],
  ["data:text/html,<script>alert(1)</script>", FALLBACK],
  ["vbscript:msgbox(1)", FALLBACK],
  ["/@evil.example", "/@evil.example"],
  ["//@evil.example", FALLBACK],
  ["https://HOST@evil.example/", FALLBACK],
  ["//HOST@evil.example", FALLBACK],
  ["APP@evil.example", FALLBACK],
  ["APP.evil.example/", FALLBACK],
  ["\uff0f\uff0fevil.example", FALLBACK],
  ["/\uff0fevil.example", "/%EF%BC%8Fevil.example"],
  ["/%EF%BC%8F%EF%BC%8Fevil.example", "/%EF%BC%8F%EF%BC%8Fevil.example"],
  ["\u2215\u2215evil.example", FALLBACK],
  ["/.//evil.example", FALLBACK],
  ["/..//evil.example", FALLBACK],
  ["/./%2F/evil.example", "/%2F/evil.example"],
  ["/%2e%2e//evil.example", FALLBACK],
  ["/%2e/%2fevil.example", "/%2fevil.example"],
  ["/dashboard/../..//evil.example", FALLBACK],
  ["/\u0000//evil.example", FALLBACK],
  [`/${"a".repeat(5000)}`, FALLBACK],
  ["/dashboard#//evil.example", "/dashboard#//evil.example"],
  ["/dashboard?next=//evil.example", "/dashboard?next=//evil.example"],
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
  expect(LANDINGS.length).toBeGreaterThanOrEqual(25);
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

  it.each(LANDINGS)(
    "a full sign-in with returnTo %j lands on the app at exactly %j",
    async (variant, landing) => {
      const browser = new TestBrowser();
      const { callback } = await hostileSignIn(browser, app, {
        returnTo: variantFor(variant, app),
      });
      expect(callback.status).toBe(302);
      expectOnOrigin(callback.headers.get("location"), app);
      expect(callback.headers.get("location")).toBe(`${app.url}${landing}`);
    },
  );

  it.each(LANDINGS)(
    "a signed-in /auth/login with returnTo %j stays on the app at exactly %j",
    async (variant, landing) => {
      const login = new URL("/auth/login", app.url);
      login.searchParams.set("returnTo", variantFor(variant, app));
      const answer = await signedIn.get(login);
      expect(answer.status).toBe(302);
      expectOnOrigin(answer.headers.get("location"), app);
      expect(answer.headers.get("location")).toBe(`${app.url}${landing}`);
    },
  );

  // [request path, the returnTo the login link carries (null: none), where the sign-in lands]
  it.each<[string, string | null, string]>([
    ["//evil.example", null, FALLBACK],
    ["//evil.example/dashboard", null, FALLBACK],
    ["/\\evil.example", null, FALLBACK],
    ["/%2F%2Fevil.example", null, FALLBACK],
    ["/%5Cevil.example", null, FALLBACK],
    ["/.//evil.example", null, FALLBACK],
    ["/..//evil.example", null, FALLBACK],
    ["/%2e%2e//evil.example", null, FALLBACK],
    ["/@evil.example", "/@evil.example", "/@evil.example"],
    [
      "/dashboard?returnTo=//evil.example",
      "/dashboard?returnTo=//evil.example",
      "/dashboard?returnTo=//evil.example",
    ],
    [
      "/%EF%BC%8F%EF%BC%8Fevil.example",
      "/%EF%BC%8F%EF%BC%8Fevil.example",
      "/%EF%BC%8F%EF%BC%8Fevil.example",
    ],
    ["http://evil.example/dashboard", null, FALLBACK],
    [`/${"x".repeat(3000)}`, null, FALLBACK],
  ])(
    "requireAuth's login redirect for path %j carries returnTo %j and lands on %j",
    async (path, expectedReturnTo, landing) => {
      const answer = await rawRequest(guarded.url, { path, headers: { accept: "text/html" } });
      expect(answer.status).toBe(302);
      const login = new URL(String(answer.headers.location));
      expect(login.origin).toBe(guarded.url);
      expect(login.pathname).toBe("/auth/login");
      const returnTo = login.searchParams.get("returnTo");
      expect(returnTo).toBe(expectedReturnTo);
      const browser = new TestBrowser();
      const { callback } = await hostileSignIn(browser, guarded, {
        ...(returnTo === null ? {} : { returnTo }),
      });
      expect(callback.status).toBe(302);
      expectOnOrigin(callback.headers.get("location"), guarded);
      expect(callback.headers.get("location")).toBe(`${guarded.url}${landing}`);
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

  it.each<[string, string | null]>([
    ...LANDINGS.map(([variant, landing]): [string, string | null] => [
      variant,
      landing === FALLBACK ? null : landing,
    ]),
    ["/dashboard", "/dashboard"],
    ["/a/b?c=d#e", "/a/b?c=d#e"],
  ])("request URL %j: login carries returnTo %j", async (variant, expected) => {
    const url = variant.replaceAll("APP", origin).replaceAll("HOST", "127.0.0.1:3000");
    const request = { method: "GET", url, headers: { accept: "text/html" } };
    const context = await auth.context(request, () => {});
    const denial = context.authorize();
    expect(denial?.status).toBe(302);
    const login = new URL(denial!.headers.location!);
    expect(login.origin).toBe(origin);
    expect(login.pathname).toBe("/auth/login");
    // An unsafe request URL sends no returnTo at all (the login falls back to afterLoginPath).
    expect(login.searchParams.get("returnTo")).toBe(expected);
  });
});

const quiet = { info() {}, warn() {}, error() {} };
