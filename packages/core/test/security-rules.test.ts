import { describe, expect, it } from "vitest";
import type { FlowContext } from "../src/flow/context.js";
import { guard } from "../src/flow/guard.js";
import { safeReturnTo } from "../src/flow/return-to.js";
import { cookieNameFor, readCookie, serializeCookie } from "../src/http/cookies.js";
import { createPolarAuth, definePolarConfig } from "../src/index.js";
import { isLocalHttpHost, validateRedirectUri } from "../src/redirect-uri/validate.js";
import type { PolarSession } from "../src/session/data.js";

/**
 * The small rules the security of the kit rests on, pinned exactly: what the mutation run
 * (`pnpm mutation`) showed the broader suites let change unnoticed.
 */
const APP = "http://127.0.0.1:3000";

describe("the logout guard (core)", () => {
  const auth = createPolarAuth(
    definePolarConfig({
      environment: "development",
      server: "http://127.0.0.1:9",
      clientId: "polar_ci_rules",
      clientSecret: "polar_cs_rules",
      redirectUri: `${APP}/auth/callback`,
      session: { secrets: "security-rules-session-secret-0123456789" },
      startupCheck: "off",
    }),
    { logger: { info() {}, warn() {}, error() {} } },
  );
  const logout = (headers: Record<string, string>) =>
    auth.handle({ method: "POST", url: "/auth/logout", headers });

  it("refuses a cross-site logout with a JSON reason", async () => {
    const refused = await logout({ origin: "https://evil.example" });
    expect(refused?.status).toBe(403);
    expect(JSON.parse(String(refused?.body))).toEqual({
      error: "forbidden",
      error_description: "Cross-site logout refused.",
    });
  });

  it("an empty Origin falls back to Sec-Fetch-Site", async () => {
    expect((await logout({ origin: "", "sec-fetch-site": "same-origin" }))?.status).toBe(303);
    expect((await logout({ origin: "", "sec-fetch-site": "cross-site" }))?.status).toBe(403);
  });

  it("accepts Sec-Fetch-Site: none (typed or bookmarked by the user)", async () => {
    expect((await logout({ "sec-fetch-site": "none" }))?.status).toBe(303);
  });

  it("a JSON caller gets 204 with Cache-Control: no-store and the cleared cookie", async () => {
    const out = await logout({ accept: "application/json" });
    expect(out?.status).toBe(204);
    expect(out?.headers["cache-control"]).toBe("no-store");
    expect(out?.cookies).toHaveLength(1);
  });

  it("a signed-out request that is not a GET gets 401 JSON with the exact login path", async () => {
    const context = await auth.context(
      { method: "POST", url: "/dashboard", headers: { accept: "text/html" } },
      () => {},
    );
    const denial = context.authorize();
    expect(denial?.status).toBe(401);
    expect(JSON.parse(String(denial?.body))).toEqual({
      error: "unauthenticated",
      login: "/auth/login?returnTo=%2Fdashboard",
    });
  });
});

describe("the scope guard (core)", () => {
  it("names only the required scopes that were not granted", () => {
    const flow = { appOrigin: APP, routes: { login: "/auth/login" } } as unknown as FlowContext;
    const session = { scopes: ["openid", "orders:read"] } as unknown as PolarSession;
    const denial = guard(flow, { method: "GET", url: "/orders", headers: {} }, session, [
      "orders:read",
      "orders:write",
    ]);
    expect(denial?.status).toBe(403);
    expect(JSON.parse(String(denial?.body))).toEqual({
      error: "insufficient_scope",
      missing: ["orders:write"],
    });
    expect(guard(flow, { method: "GET", url: "/orders", headers: {} }, session, ["openid"])).toBe(
      undefined,
    );
  });
});

describe("the scope guard's page for a browser navigation (core)", () => {
  const flow = { appOrigin: APP, routes: { login: "/auth/login" } } as unknown as FlowContext;
  const session = { scopes: ["openid"] } as unknown as PolarSession;
  const page = (url: string, required: string[], method = "GET") =>
    guard(flow, { method, url, headers: { accept: "text/html" } }, session, required);

  it("links to a sign-in asking for the missing Polar scopes, back to the same page", () => {
    const denial = page("/orders?tab=open&n=2", ["orders:read", "openid"]);
    expect(denial?.status).toBe(403);
    expect(denial?.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(String(denial?.body)).toContain(
      'href="/auth/login?returnTo=%2Forders%3Ftab%3Dopen%26n%3D2&amp;scope=orders%3Aread"',
    );
  });

  it("offers no link for a scope Polar does not know, and drops an unsafe returnTo", () => {
    const unknown = String(page("/orders", ["orders:read", "<script>:x"])?.body);
    expect(unknown).not.toContain("href=");
    expect(unknown).toContain("<code>&lt;script&gt;:x</code>");
    expect(String(page("//evil.example/x", ["orders:read"])?.body)).toContain(
      'href="/auth/login?scope=orders%3Aread"',
    );
  });

  it("a POST is answered with the JSON, whatever it accepts", () => {
    const denial = page("/orders", ["orders:read"], "POST");
    expect(JSON.parse(String(denial?.body))).toEqual({
      error: "insufficient_scope",
      missing: ["orders:read"],
    });
  });
});

describe("returnTo (core)", () => {
  it("a malformed percent-encoding is refused, not thrown", () => {
    expect(safeReturnTo("/%E0%A4%A", APP)).toBeUndefined();
    expect(safeReturnTo("/ok/%", APP)).toBeUndefined();
  });

  it("decodes at most three levels: a fourth level stays an odd but harmless path", () => {
    // Three levels down it is still a single-slash path; a browser decodes it only once.
    const fourLevels = "/%2525252F%2525252Fevil.example";
    expect(safeReturnTo(fourLevels, APP)).toBe(`${APP}${fourLevels}`);
    // Three levels to `//evil.example`: refused.
    expect(safeReturnTo("/%25252F%25252Fevil.example", APP)).toBeUndefined();
  });
});

describe("cookies (core)", () => {
  it.each([
    ["\n", "LF"],
    ["\r", "CR"],
    ["\f", "FF"],
    ["\v", "VT"],
    ["\t", "tab"],
    [" ", "space"],
  ])("readCookie skips %j (%s) before a name", (space) => {
    expect(readCookie(`x=1;${space}a=2`, "a")).toBe("2");
    expect(readCookie(`${space}a=3`, "a")).toBe("3");
  });

  it("serializeCookie: Expires only for a deletion, HttpOnly unless turned off, Secure only when asked", () => {
    const base = { path: "/", secure: false };
    expect(serializeCookie("a", "", { ...base, maxAgeSeconds: 0 })).toBe(
      "a=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax",
    );
    expect(serializeCookie("a", "", { ...base, maxAgeSeconds: -5 })).toContain(
      "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    );
    expect(serializeCookie("a", "v", { ...base, maxAgeSeconds: 60 })).toBe(
      "a=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax",
    );
    expect(serializeCookie("a", "v", { ...base, maxAgeSeconds: 60, httpOnly: true })).toContain(
      "; HttpOnly",
    );
    expect(
      serializeCookie("a", "v", { ...base, maxAgeSeconds: 60, httpOnly: false }),
    ).not.toContain("HttpOnly");
    expect(serializeCookie("a", "v", { path: "/", maxAgeSeconds: 60, secure: true })).toContain(
      "; Secure",
    );
  });

  it("cookieNameFor strips only a leading __Host-/__Secure- prefix", () => {
    expect(cookieNameFor("app__host-x", true)).toBe("__Host-app__host-x");
    expect(cookieNameFor("__secure-x", true)).toBe("__Host-x");
  });
});

describe("redirect URIs (core)", () => {
  it.each([
    ["10.0.0", false],
    ["10.a.0.1", false],
    ["10.a1.0.1", false],
    ["10.1a.0.1", false],
    ["11.16.0.1", false],
    ["11.168.0.1", false],
    ["172.16.0.1", true],
    ["192.168.1.1", true],
  ] as const)("isLocalHttpHost(%j) is %s", (host, local) => {
    expect(isLocalHttpHost(host)).toBe(local);
  });

  it.each([
    ["localhost:3000", "host:port"],
    ["localhost:3/cb", "host:port"],
    ["https://@example.com/cb", "userinfo"],
    ["https://:@example.com/cb", "userinfo"],
    ["https:user@example.com/cb", "userinfo"],
  ])("refuses %j (%s)", (uri, problem) => {
    const verdict = validateRedirectUri(uri, "development");
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? "" : verdict.problem).toContain(problem);
  });

  it("reads a custom scheme whose query merely contains an @ URL as a query, not userinfo", () => {
    expect(validateRedirectUri("myapp:callback?next=https://@x", "development")).toEqual({
      ok: false,
      problem:
        '"myapp:callback?next=https://@x": it has a query (?…), which the token request drops (openid-client), so Polar would refuse every sign-in with invalid_grant.',
      fix: "Register the callback URL without ?…; carry per-sign-in values in returnTo.",
    });
  });
});
