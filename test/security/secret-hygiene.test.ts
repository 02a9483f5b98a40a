import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect, parseEnv } from "node:util";
import {
  createPolarAuth,
  definePolarConfig,
  getClient,
  loadPolarConfig,
  type PolarConfig,
  PolarConfigError,
  PolarError,
  verifyRegistration,
} from "@polar-oauth/core";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FRAMEWORKS, startApp } from "../support/apps.js";
import { signIn } from "../support/kit.js";
import { hostileConfig, hostileSignIn, startHostileApp, TestBrowser } from "./support/harness.js";
import { HOSTILE_CASES } from "./support/hostile-cases.js";
import { HANG, type HostilePolar, startHostilePolar } from "./support/hostile-polar.js";
import { fakeClock } from "./support/seals.js";

/**
 * Secret hygiene across the whole flow: config, bootstrap (the CLI binary), the startup
 * check, sign-in, refresh, logout and every error path, with recognisable secret values.
 * Everything the kit could print or hand out is captured (stdout, stderr, every console
 * call, the kit's logs with its default console logger, every error thrown or reported:
 * message, stack, JSON and util.inspect, and every response: status line, headers, body)
 * and scanned at the end for the client secret, registration token, session secret,
 * access and refresh tokens and PKCE code verifiers.
 */

const CLIENT_SECRET = "polar_cs_HYGIENEclientSECRETa1b2c3d4e5f6g7h8i9j0k1l2m3";
const REGISTRATION_TOKEN = "polar_crt_HYGIENEregistrationTOKEN0a1b2c3d4e5f6g7h8i9";
const SESSION_SECRET = "HYGIENE-session-secret-9f8e7d6c5b4a39281706f5e4d3c2b1a0";

/** Every value that must never appear; the scan fails if one kind is missing. */
const secrets = new Map<string, string>();
const remember = (kind: string, value: string | undefined) => {
  if (value && !secrets.has(value)) secrets.set(value, kind);
};
/** Everything captured, with where it came from. */
const corpus: { where: string; text: string }[] = [];
const capture = (where: string, text: string) => corpus.push({ where, text });

/** Every way an error can be printed. */
function captureError(where: string, error: unknown): void {
  const e = error as Error;
  capture(
    where,
    [
      String(e),
      e?.message,
      e?.stack,
      JSON.stringify(e),
      inspect(e, { depth: 10, showHidden: true }),
    ].join("\n"),
  );
}

/** Every known secret (raw, URL-encoded or base64) found in `entries`, as "kind in where". */
function leaksIn(entries: readonly { where: string; text: string }[]): string[] {
  const leaks: string[] = [];
  for (const { where, text } of entries) {
    for (const [value, kind] of secrets) {
      const forms = [value, encodeURIComponent(value), Buffer.from(value).toString("base64")];
      if (forms.some((form) => text.includes(form))) leaks.push(`${kind} in ${where}`);
    }
  }
  return leaks;
}

/** A TestBrowser that records every response (status, headers, body) into the corpus. */
class RecordingBrowser extends TestBrowser {
  constructor(
    private readonly label: string,
    private readonly skipBodyOf: RegExp[] = [],
  ) {
    super();
  }
  override async request(
    url: string | URL,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<Response> {
    const response = await super.request(url, init);
    const path = new URL(url).pathname;
    const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
    const body = this.skipBodyOf.some((p) => p.test(path)) ? "" : await response.clone().text();
    capture(
      `${this.label} ${init.method ?? "GET"} ${path} → ${response.status}`,
      `${headers}\n${body}`,
    );
    return response;
  }
}

const spies: { mockRestore(): void }[] = [];
beforeAll(() => {
  for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    spies.push(
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        capture(
          `console.${method}`,
          args.map((a) => (typeof a === "string" ? a : inspect(a))).join(" "),
        );
      }),
    );
  }
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    spies.push(
      vi.spyOn(stream, "write").mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        capture(stream === process.stdout ? "stdout" : "stderr", String(chunk));
        return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write),
    );
  }
});
afterAll(() => {
  for (const spy of spies) spy.mockRestore();
});

describe("config", () => {
  const env = {
    ENVIRONMENT: "development",
    POLAR_SERVER: "http://127.0.0.1:4000",
    POLAR_CLIENT_ID_DEV: "polar_ci_hygiene",
    POLAR_CLIENT_SECRET_DEV: CLIENT_SECRET,
    POLAR_REGISTRATION_TOKEN_DEV: REGISTRATION_TOKEN,
    POLAR_REDIRECT_URI_DEV: "http://localhost:3000/auth/callback",
    SESSION_SECRET,
  };
  beforeAll(() => {
    remember("client secret", CLIENT_SECRET);
    remember("registration token", REGISTRATION_TOKEN);
    remember("session secret", SESSION_SECRET);
  });

  it("a loaded config prints no secret, however it is printed", () => {
    const config = loadPolarConfig(env);
    expect(config.clientSecret?.reveal()).toBe(CLIENT_SECRET);
    capture("config inspect", inspect(config, { depth: 10, showHidden: true }));
    capture("config JSON", JSON.stringify(config));
    capture(
      "config template",
      `${config.clientSecret} ${config.registrationAccessToken} ${config.session?.secrets}`,
    );
    console.log("the app logs its config:", config);
  });

  it.each([
    ["a short session secret", { SESSION_SECRET: "short-HYGIENE-secret" }],
    [
      "a session secret list with a short one",
      { SESSION_SECRET: `${SESSION_SECRET},tooShortHYGIENE` },
    ],
    ["a secret on a public client", { POLAR_AUTH_METHOD: "none" }],
    [
      "a bad redirect URI and a timeout that is not a number",
      { POLAR_REDIRECT_URI_DEV: "http://evil.example/cb", POLAR_TIMEOUT_MS: "5s" },
    ],
    [
      "an unknown scope and auth method",
      { POLAR_SCOPES: "openid wat", POLAR_AUTH_METHOD: "private_key_jwt" },
    ],
    ["no client id", { POLAR_CLIENT_ID_DEV: "" }],
  ])("a config error (%s) carries no secret", (_name, overrides) => {
    remember("session secret (short)", (overrides as { SESSION_SECRET?: string }).SESSION_SECRET);
    let thrown: unknown;
    try {
      loadPolarConfig({ ...env, ...overrides });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PolarConfigError);
    captureError("loadPolarConfig error", thrown);
    try {
      definePolarConfig({
        clientId: "polar_ci_hygiene",
        clientSecret: CLIENT_SECRET,
        authMethod: "none",
        redirectUri: "http://evil.example/cb",
        session: { secrets: [SESSION_SECRET, "tooShortHYGIENE"] },
      });
    } catch (error) {
      captureError("definePolarConfig error", error);
    }
  });
});

let emulator: Emulator;
describe("bootstrap with the CLI, then the app on the bootstrapped client", () => {
  const BIN = resolve(
    dirname(fileURLToPath(import.meta.url)),
    "../../packages/cli/bin/polar-oauth.js",
  );
  let dir: string;
  const run = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; out: string }>((done, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", HOME: dir, POLAR_SERVER: emulator.url, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (c: Buffer) => {
        out += c;
      });
      child.stderr.on("data", (c: Buffer) => {
        out += c;
      });
      child.on("error", reject);
      child.on("close", (code) => {
        capture(`polar-oauth ${args.join(" ")}`, out);
        done({ code, out });
      });
    });

  beforeAll(async () => {
    emulator = await startEmulator({ rateLimits: false });
    dir = await mkdtemp(join(tmpdir(), "polar-oauth-hygiene-"));
  });
  afterAll(() => emulator.close());

  it("bootstrap, check and doctor (with --debug and --json) print no secret, also when Polar is down", async () => {
    const app = await startApp(
      "express",
      async (origin) => {
        const redirectUri = `${origin}/auth/callback`;
        const first = await run([
          "bootstrap",
          "--name",
          "Hygiene",
          "--redirect-uri",
          redirectUri,
          "--out",
          ".env.development.local",
        ]);
        expect(first.code).toBe(0);
        const vars = parseEnv(
          await readFile(join(dir, ".env.development.local"), "utf8"),
        ) as Record<string, string>;
        remember("client secret (bootstrap)", vars.POLAR_CLIENT_SECRET_DEV);
        remember("registration token (bootstrap)", vars.POLAR_REGISTRATION_TOKEN_DEV);
        // bootstrap generated one (development, none set); the app below uses the test's own.
        remember("session secret (bootstrap)", vars.SESSION_SECRET);
        expect(vars.POLAR_CLIENT_SECRET_DEV).toMatch(/^polar_cs_/);
        await writeFile(join(dir, ".env.development.local"), `SESSION_SECRET=${SESSION_SECRET}\n`, {
          flag: "a",
        });
        const runs: [args: string[], env: Record<string, string>, exitCode: number][] = [
          [["bootstrap", "--name", "Hygiene", "--redirect-uri", redirectUri, "--debug"], {}, 0],
          [
            [
              "bootstrap",
              "--name",
              "Hygiene (renamed)",
              "--redirect-uri",
              redirectUri,
              "--dry-run",
              "--json",
            ],
            {},
            0,
          ],
          [["check"], {}, 0],
          [["check", "--json", "--debug"], {}, 0],
          [["doctor", "--debug"], {}, 0],
          [["doctor", "--json"], {}, 0],
          // Polar unreachable, a wrong registration token: the error paths, with stack traces on.
          [["check", "--debug"], { POLAR_SERVER: "http://127.0.0.1:9" }, 1],
          [["doctor", "--debug"], { POLAR_SERVER: "http://127.0.0.1:9" }, 1],
          [["check", "--debug"], { POLAR_REGISTRATION_TOKEN_DEV: `${REGISTRATION_TOKEN}x` }, 1],
        ];
        for (const [args, env, exitCode] of runs) {
          const result = await run(args, env);
          expect(result.code, `polar-oauth ${args.join(" ")}: ${result.out}`).toBe(exitCode);
        }
        remember("registration token (wrong)", `${REGISTRATION_TOKEN}x`);
        const config = loadPolarConfig({
          ...vars,
          SESSION_SECRET,
          POLAR_SERVER: emulator.url,
          POLAR_STARTUP_CHECK: "fail",
        });
        return config;
      },
      { logger: undefined },
    );
    try {
      // The startup check ran with the registration token.
      expect(await app.ready).toMatchObject({ method: "registration" });
      const browser = new RecordingBrowser("emulator app", [/^\/api\/token$/]);
      const { callback } = await signIn(browser, app, { user: "alice@example.com" });
      expect(callback.status).toBe(302);
      const token = (await (await browser.get(`${app.url}/api/token`)).json()) as {
        accessToken: string;
      };
      remember("access token (emulator)", token.accessToken);
      await browser.get(`${app.url}/auth/me`);
      await browser.get(`${app.url}/dashboard`);
      await browser.post(`${app.url}/auth/logout`, { origin: app.url });
    } finally {
      await app.close();
    }
  });

  it("registration API and startup-check errors carry no token", async () => {
    const vars = parseEnv(await readFile(join(dir, ".env.development.local"), "utf8")) as Record<
      string,
      string
    >;
    const wrong = `${vars.POLAR_REGISTRATION_TOKEN_DEV}WRONG`;
    remember("registration token (wrong)", wrong);
    const base = loadPolarConfig({ ...vars, POLAR_SERVER: emulator.url });
    for (const attempt of [
      () =>
        getClient(vars.POLAR_CLIENT_ID_DEV!, {
          server: base.server,
          registrationAccessToken: wrong,
        }),
      () => verifyRegistration(definePolarConfig({ ...base, registrationAccessToken: wrong })),
      () =>
        verifyRegistration(
          definePolarConfig({ ...base, redirectUri: "http://127.0.0.1:1/elsewhere" }),
        ),
      () =>
        verifyRegistration(
          definePolarConfig({ ...base, server: "http://127.0.0.1:9", timeoutMs: 200 }),
          { retries: 1, retryDelayMs: 10 },
        ),
    ]) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PolarError);
      captureError("registration/startup error", error);
    }
  });
});

describe.each(FRAMEWORKS)("the flow against a recording Polar through %s", (framework) => {
  let hostile: HostilePolar;
  const reported: PolarError[] = [];
  beforeAll(async () => {
    hostile = await startHostilePolar({}, { clientSecret: CLIENT_SECRET, tokenPrefix: "HYGIENE" });
  });
  afterAll(async () => {
    for (const value of hostile.secrets()) remember("token or verifier (recording Polar)", value);
    for (const error of reported) captureError("onError", error);
    await hostile.close();
  });
  const options = () => ({ logger: undefined, onError: (e: PolarError) => reported.push(e) });

  it("sign-in, refresh and logout", async () => {
    const clock = fakeClock();
    const app = await startHostileApp(
      framework,
      hostile,
      {
        session: {
          secrets: SESSION_SECRET,
          idleTimeoutSeconds: 30 * 86_400,
          absoluteTimeoutSeconds: 60 * 86_400,
        },
      },
      { ...options(), now: clock.now },
    );
    try {
      const browser = new RecordingBrowser(`${framework} flow`, [/^\/api\/token$/]);
      const { login, callback } = await hostileSignIn(browser, app, { returnTo: "/dashboard" });
      expect(callback.status).toBe(302);
      capture("authorize URL", login.headers.get("location")!);
      await browser.get(`${app.url}/dashboard`);
      clock.advance(864_000 + 60);
      expect((await browser.get(`${app.url}/api/token`)).status).toBe(200);
      await browser.get(`${app.url}/boom`);
      await browser.get(`${app.url}/auth/me`);
      expect((await browser.post(`${app.url}/auth/logout`, { origin: app.url })).status).toBe(303);
      // The refresh and the revocation happened at Polar: their tokens are in the scan.
      expect(
        hostile.record.tokenRequests.some((r) => r.params.get("grant_type") === "refresh_token"),
      ).toBe(true);
      expect(hostile.record.revocations.length).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });

  it.each(HOSTILE_CASES)("error path: $name", async (hostileCase) => {
    hostile.misbehaviour = hostileCase.misbehaviour;
    const app = await startHostileApp(
      framework,
      hostile,
      { timeoutMs: 300, session: { secrets: SESSION_SECRET } },
      options(),
    );
    const from = corpus.length;
    try {
      const browser = new RecordingBrowser(`${framework} ${hostileCase.name}`);
      let copy: TestBrowser | undefined;
      const { callbackUrl, callback } = await hostileSignIn(browser, app, {
        beforeCallback: (_u, b) => {
          copy = b.clone();
        },
      });
      let refused = callback;
      if (hostileCase.scenario === "replay") {
        const replay = new RecordingBrowser(`${framework} replay`);
        for (const cookie of copy!.cookies) replay.setCookie(cookie);
        refused = await replay.get(callbackUrl);
      }
      // (A discovery misbehaviour has no effect here: the server was discovered once per process.)
      expect(refused.status).toBeLessThan(500);
      // This case's own answers, logs and reports: recorded, and free of every secret so far.
      expect(corpus.length).toBeGreaterThan(from);
      expect(leaksIn(corpus.slice(from))).toEqual([]);
    } finally {
      hostile.misbehaviour = {};
      await app.close();
    }
  });

  it.each([
    ["500", { status: 500, body: "oops" }],
    ["429", { status: 429, headers: { "retry-after": "3" }, body: "" }],
    ["a hang", HANG],
    [
      "invalid_grant",
      {
        status: 400,
        headers: { "content-type": "application/json" },
        body: '{"error":"invalid_grant"}',
      },
    ],
    ["a non-JSON 200", { status: 200, headers: { "content-type": "text/html" }, body: "<html>" }],
    [
      "an error code holding a token",
      {
        status: 400,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          error: "polar_rt_u_HYGIENEleaked",
          error_description: "polar_at_u_HYGIENEleaked",
        }),
      },
    ],
  ] as const)(
    "refresh failing with %s: the thrown and reported errors carry no token",
    async (_name, refresh) => {
      remember("token echoed by Polar", "polar_rt_u_HYGIENEleaked");
      remember("token echoed by Polar", "polar_at_u_HYGIENEleaked");
      const clock = fakeClock();
      const config = hostileConfig(hostile, {
        timeoutMs: 300,
        session: {
          secrets: SESSION_SECRET,
          idleTimeoutSeconds: 30 * 86_400,
          absoluteTimeoutSeconds: 60 * 86_400,
        },
      });
      const longSession = {
        secrets: SESSION_SECRET,
        idleTimeoutSeconds: 30 * 86_400,
        absoluteTimeoutSeconds: 60 * 86_400,
      };
      const app = await startHostileApp(framework, hostile, { session: longSession }, options());
      const browser = new RecordingBrowser(`${framework} refresh ${_name}`);
      await hostileSignIn(browser, app);
      await app.close();
      const auth = createPolarAuth(config(app.url) as PolarConfig, {
        ...options(),
        now: clock.now,
      });
      hostile.misbehaviour = { refresh };
      clock.advance(864_000 + 60);
      const refreshesBefore = hostile.record.tokenRequests.filter(
        (r) => r.params.get("grant_type") === "refresh_token",
      ).length;
      const context = await auth.context(
        { method: "GET", url: "/", headers: { cookie: browser.cookieHeader(new URL(app.url)) } },
        (cookie) => capture("set-cookie", cookie),
      );
      const error = await context.getAccessToken().then(
        () => undefined,
        (e: unknown) => e,
      );
      hostile.misbehaviour = {};
      expect(error).toBeInstanceOf(PolarError);
      expect((error as Error).message).not.toContain("not signed in");
      expect(
        hostile.record.tokenRequests.filter((r) => r.params.get("grant_type") === "refresh_token")
          .length,
      ).toBe(refreshesBefore + 1);
      captureError("getAccessToken error", error);
    },
  );
});

describe("the scan", () => {
  it("found every kind of secret to look for", () => {
    const kinds = new Set(secrets.values());
    for (const kind of [
      "client secret",
      "registration token",
      "session secret",
      "client secret (bootstrap)",
      "registration token (bootstrap)",
      "access token (emulator)",
      "token or verifier (recording Polar)",
    ]) {
      expect(kinds).toContain(kind);
    }
    const recorded = [...secrets].filter(
      ([, kind]) => kind === "token or verifier (recording Polar)",
    );
    expect(recorded.some(([v]) => v.startsWith("polar_at_u_HYGIENE"))).toBe(true);
    expect(recorded.some(([v]) => v.startsWith("polar_rt_u_HYGIENE"))).toBe(true);
    expect(recorded.some(([v]) => /^[\w-]{43}$/.test(v))).toBe(true); // a PKCE verifier
    expect(corpus.length).toBeGreaterThan(300);
    // The kit's own log lines went through the console (its default logger) into the scan.
    expect(
      corpus.some(
        (c) => c.where === "console.warn" && c.text.includes("[polar-oauth] sign-in failed"),
      ),
    ).toBe(true);
    expect(corpus.some((c) => c.where.startsWith("polar-oauth bootstrap"))).toBe(true);
    expect(corpus.some((c) => c.where === "onError")).toBe(true);
  });

  it("no secret appears in anything printed, thrown, logged or answered", () => {
    expect(leaksIn(corpus)).toEqual([]);
  });
});
