import { safeReturnTo } from "@polar-oauth/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORKS, type KitApp } from "../support/apps.js";
import {
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
 * Property-based fuzzing with fast-check: random returnTo values, callback query strings,
 * mutated genuine callbacks, cookie headers, and methods/paths under /auth, through both
 * adapters. Zero 5xx, and no session without a valid flow.
 *
 * Run counts (about 9,000 requests or checks in all, well under a minute on 2 cores):
 */
const RUNS = {
  returnToPure: 5000,
  returnToHttp: 300,
  callbackQuery: 500,
  mutatedCallback: 150,
  cookieHeader: 400,
  methodPath: 500,
};

/**
 * Seeded, so a run is repeatable (and a mutant dies or lives the same way every time); fast-check
 * prints the seed and the failing path with any counterexample. `FUZZ_SEED=<n>` replays a run,
 * `FUZZ_SEED=random` explores with a fresh seed (printed).
 */
const SEED =
  process.env.FUZZ_SEED === "random"
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.FUZZ_SEED ?? 20_261_207);
if (process.env.FUZZ_SEED === "random") console.log(`fuzz: FUZZ_SEED=${SEED}`);
fc.configureGlobal({ seed: SEED });

/** Building blocks that make redirects, paths and parsers go wrong. */
const NASTY = [
  "/",
  "//",
  "\\",
  "/\\",
  "%2F",
  "%2f",
  "%5C",
  "%252F",
  "%25",
  "%",
  ".",
  "..",
  "./",
  "../",
  "@",
  ":",
  "?",
  "#",
  "&",
  "=",
  ";",
  ",",
  "\t",
  "\n",
  "\r",
  " ",
  "\u0000",
  "\u00a0",
  "\u3000",
  "\uff0f",
  "\u2215",
  "%EF%BC%8F",
  "evil.example",
  "javascript:",
  "data:",
  "https:",
  "http://",
  "APP",
  "HOST",
  "polar_session",
  "_tx_",
  "Fe26.2*",
  "~2",
  "*",
  '"',
  "'",
  "<script>",
  "\ud800",
  "é",
];
const nastyString = (maxLength = 12) =>
  fc
    .array(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
        { weight: 1, arbitrary: fc.string({ maxLength: 4, unit: "binary" }) },
        { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
      ),
      { maxLength },
    )
    .map((parts) => parts.join(""));

/** What any safe returnTo answer looks like: absolute, on the origin, one leading slash. */
function expectSafeLocation(location: string, origin: string): void {
  const target = new URL(location);
  expect(target.origin).toBe(origin);
  expect(location.startsWith(`${origin}/`)).toBe(true);
  expect(target.pathname.startsWith("//")).toBe(false);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is checked
  expect(location).not.toMatch(/[\\\s\u0000-\u001f\u007f]/);
}

describe("safeReturnTo (pure)", () => {
  const origin = "http://127.0.0.1:3000";
  it(`never yields an off-origin target (${RUNS.returnToPure} runs)`, () => {
    fc.assert(
      fc.property(fc.oneof(nastyString(), fc.string({ unit: "binary", maxLength: 40 })), (raw) => {
        const value = raw.replaceAll("APP", origin).replaceAll("HOST", "127.0.0.1:3000");
        const result = safeReturnTo(value, origin);
        if (result !== undefined) expectSafeLocation(result, origin);
      }),
      { numRuns: RUNS.returnToPure },
    );
  });
});

let hostile: HostilePolar;
beforeAll(async () => {
  hostile = await startHostilePolar();
});
afterAll(() => hostile.close());

describe.each(FRAMEWORKS)("fuzzing through %s", (framework) => {
  let app: KitApp;
  let signedIn: TestBrowser;
  let genuineSeal: string;
  /** Genuine transaction cookies (name=value), to reach the exchange with random queries. */
  let pendingCookies: string[];
  let pendingStates: string[];
  beforeAll(async () => {
    app = await startHostileApp(framework, hostile);
    signedIn = new TestBrowser();
    await hostileSignIn(signedIn, app);
    genuineSeal = signedIn.cookie("polar_session")!.value;
    pendingCookies = [];
    pendingStates = [];
    for (let i = 0; i < 20; i++) {
      const browser = new TestBrowser();
      const { callbackUrl } = await startHostileLogin(browser, app);
      const tx = browser.cookies.find((c) => c.name.includes("_tx_"))!;
      pendingCookies.push(`${tx.name}=${tx.value}`);
      pendingStates.push(callbackUrl.searchParams.get("state")!);
    }
  });
  afterAll(() => app.close());

  const sub = (value: string) =>
    value.replaceAll("APP", app.url).replaceAll("HOST", new URL(app.url).host);

  it(`random returnTo: the login transaction and a signed-in login stay on the app (${RUNS.returnToHttp} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(nastyString(), async (raw) => {
        const login = new URL("/auth/login", app.url);
        login.searchParams.set("returnTo", sub(raw));
        const out = await fetch(login, { redirect: "manual" });
        expect(out.status).toBe(302);
        const tx = out.headers.getSetCookie().find((c) => c.includes("_tx_"))!;
        const sealed = await unsealWith(tx.split(";")[0]!.split("=")[1]!, SESSION_SECRET);
        expectSafeLocation(sealed.returnTo as string, app.url);
        const direct = await signedIn.get(login);
        expect(direct.status).toBe(302);
        expectSafeLocation(direct.headers.get("location")!, app.url);
      }),
      { numRuns: RUNS.returnToHttp },
    );
  });

  it(`random callback query strings: never a 5xx, never a session (${RUNS.callbackQuery} runs)`, async () => {
    const key = fc.oneof(
      fc.constantFrom(
        "code",
        "state",
        "iss",
        "error",
        "error_description",
        "response",
        "id_token",
        "session_state",
      ),
      nastyString(3),
    );
    const value = fc.oneof(
      fc.constantFrom(...pendingStates),
      fc.constantFrom("access_denied", hostile.issuer, "polar_ac_x", ""),
      nastyString(6),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(key, value), { maxLength: 6 }),
        fc.subarray(pendingCookies, { maxLength: 4 }),
        fc.boolean(),
        async (pairs, cookies, encode) => {
          const query = encode
            ? new URLSearchParams(pairs).toString()
            : pairs.map(([k, v]) => `${k}=${v}`).join("&");
          const path = `/auth/callback?${query}`;
          let answer: Awaited<ReturnType<typeof rawRequest>>;
          try {
            answer = await rawRequest(app.url, {
              path,
              headers: cookies.length ? { cookie: cookies.join("; ") } : {},
            });
          } catch (error) {
            // Node's client refuses some raw paths itself (ERR_UNESCAPED_CHARACTERS).
            if ((error as { code?: string }).code === "ERR_UNESCAPED_CHARACTERS") return;
            throw error;
          }
          expect(answer.status).toBeLessThan(500);
          expect([400, 429]).toContain(answer.status);
          expect(
            rawSetCookies(answer.headers).some(
              (c) => c.startsWith("polar_session=") && !/Max-Age=0/.test(c),
            ),
          ).toBe(false);
        },
      ),
      { numRuns: RUNS.callbackQuery },
    );
  });

  it(`mutated genuine callbacks: a session exactly when the response is the genuine one (${RUNS.mutatedCallback} runs)`, async () => {
    type Op =
      | { kind: "drop"; name: string }
      | { kind: "dup"; name: string }
      | { kind: "set"; name: string; value: string }
      | { kind: "add"; name: string; value: string };
    const name = fc.constantFrom(
      "code",
      "state",
      "iss",
      "error",
      "response",
      "id_token",
      "token",
      "junk",
    );
    const value = fc.oneof(fc.constantFrom("", "access_denied", "x"), nastyString(4));
    const op: fc.Arbitrary<Op> = fc.oneof(
      name.map((n) => ({ kind: "drop" as const, name: n })),
      name.map((n) => ({ kind: "dup" as const, name: n })),
      fc.tuple(name, value).map(([n, v]) => ({ kind: "set" as const, name: n, value: v })),
      fc.tuple(name, value).map(([n, v]) => ({ kind: "add" as const, name: n, value: v })),
      fc.constant({ kind: "set" as const, name: "iss", value: "ISSUER" }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 3 }), async (ops) => {
        const browser = new TestBrowser();
        const { callbackUrl } = await startHostileLogin(browser, app);
        const genuine = new URLSearchParams(callbackUrl.search);
        const p = callbackUrl.searchParams;
        for (const o of ops) {
          const v =
            o.kind === "set" || o.kind === "add" ? o.value.replace("ISSUER", hostile.issuer) : "";
          if (o.kind === "drop") p.delete(o.name);
          if (o.kind === "dup" && p.has(o.name)) p.append(o.name, p.get(o.name)!);
          if (o.kind === "set") p.set(o.name, v);
          if (o.kind === "add") p.append(o.name, v);
        }
        const once = (n: string) => p.getAll(n).length === 1;
        const absentOrEmpty = (n: string) =>
          p.getAll(n).length === 0 || (once(n) && p.get(n) === "");
        const valid =
          once("code") &&
          p.get("code") === genuine.get("code") &&
          once("state") &&
          p.get("state") === genuine.get("state") &&
          absentOrEmpty("error") &&
          absentOrEmpty("response") &&
          !p.has("id_token") &&
          !p.has("token") &&
          (!p.has("iss") || (once("iss") && p.get("iss") === hostile.issuer));
        const answer = await browser.get(callbackUrl);
        expect(answer.status).toBeLessThan(500);
        expect(setsSession(answer)).toBe(valid);
        expect(answer.status).toBe(valid ? 302 : 400);
      }),
      { numRuns: RUNS.mutatedCallback },
    );
  });

  it(`random and mutated cookie headers: never a 5xx, signed in only with the genuine seal (${RUNS.cookieHeader} runs)`, async () => {
    const mutation = fc.oneof(
      fc.nat().map((i) => (s: string) => {
        const at = i % s.length;
        return s.slice(0, at) + (s[at] === "A" ? "B" : "A") + s.slice(at + 1);
      }),
      fc.nat().map((i) => (s: string) => s.slice(0, i % s.length)),
      fc.tuple(fc.nat(), fc.constantFrom("*", "~", "A", "=", "%")).map(([i, c]) => (s: string) => {
        const at = i % (s.length - 2);
        return s.slice(0, at) + c + s.slice(at);
      }),
      fc.constant((s: string) => s),
    );
    const cookieValue = fc.oneof(
      mutation.map((m) => m(genuineSeal)),
      nastyString(6).map((s) => s.replace(/[\r\n\0]/g, "")),
      fc.string({ unit: "grapheme-ascii", maxLength: 30 }),
    );
    const cookieName = fc.oneof(
      fc.constantFrom("polar_session", "polar_session_tx_AAAAAAAAAAAAAAAA", "other"),
      fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(cookieName, cookieValue), { maxLength: 4 }),
        async (pairs) => {
          const header = pairs
            .map(([n, v]) => `${n}=${v}`)
            .join("; ")
            // biome-ignore lint/suspicious/noControlCharactersInRegex: header-unsafe characters
            .replace(/[\u0000-\u0008\u000a-\u001f\u007f\u0100-\uffff]/g, "");
          // What the kit reads: the first `polar_session=` part, trimmed.
          const first = header
            .split(";")
            .map((part) => part.trim())
            .find((part) => part.startsWith("polar_session="));
          const signedInExpected = first === `polar_session=${genuineSeal}`;
          const headers = { cookie: header };
          const me = await fetch(`${app.url}/auth/me`, { headers });
          expect(me.status).toBe(signedInExpected ? 200 : 401);
          await me.body?.cancel();
          const page = await fetch(`${app.url}/dashboard`, { headers, redirect: "manual" });
          expect(page.status).toBe(signedInExpected ? 200 : 302);
          await page.body?.cancel();
          const callback = await fetch(
            `${app.url}/auth/callback?state=${pendingStates[0]}&code=polar_ac_x`,
            { headers, redirect: "manual" },
          );
          expect(callback.status).toBeLessThan(500);
          expect(setsSession(callback)).toBe(false);
          await callback.body?.cancel();
        },
      ),
      { numRuns: RUNS.cookieHeader },
    );
  });

  it(`random methods and paths under /auth: never a 5xx, never a session (${RUNS.methodPath} runs)`, async () => {
    const method = fc.constantFrom(
      "GET",
      "HEAD",
      "POST",
      "PUT",
      "DELETE",
      "PATCH",
      "OPTIONS",
      "PROPFIND",
    );
    const suffix = fc.oneof(
      fc.constantFrom(
        "/login",
        "/callback",
        "/logout",
        "/me",
        "",
        "/",
        "//",
        "/login/",
        "/LOGIN",
        "/me/..",
      ),
      nastyString(5),
    );
    const query = fc.oneof(
      fc.constant(""),
      nastyString(5).map((q) => `?${q}`),
    );
    await fc.assert(
      fc.asyncProperty(method, suffix, query, fc.boolean(), async (m, s, q, withSession) => {
        const path = `/auth${s}${q}`.replaceAll("APP", app.url).replaceAll("HOST", "x");
        let answer: Awaited<ReturnType<typeof rawRequest>>;
        try {
          answer = await rawRequest(app.url, {
            method: m,
            path,
            headers: {
              origin: app.url,
              ...(withSession ? { cookie: `polar_session=${genuineSeal}` } : {}),
            },
          });
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code === "ERR_UNESCAPED_CHARACTERS" || code === "ERR_INVALID_CHAR") return;
          throw error;
        }
        expect(answer.status).toBeLessThan(500);
        const issued = rawSetCookies(answer.headers).some(
          (c) => c.startsWith("polar_session=") && !/Max-Age=0/.test(c),
        );
        // A session cookie may only be re-issued (sliding expiry) for one that was already valid.
        if (!withSession) expect(issued).toBe(false);
      }),
      { numRuns: RUNS.methodPath },
    );
  });
});
