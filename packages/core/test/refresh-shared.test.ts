import { createHash } from "node:crypto";
import * as oidc from "openid-client";
import { afterEach, describe, expect, it } from "vitest";
import { PolarStoreUnavailableError } from "../src/errors.js";
import { createTokenRefresher } from "../src/flow/refresh.js";
import { secret } from "../src/secret.js";
import { createSealer } from "../src/session/seal.js";
import type { RefreshCoordinator } from "../src/state/store.js";
import {
  type Answer,
  type LocalServer,
  startLocalServer,
  unusedLocalUrl,
} from "./support/local-server.js";

const SECRET = "refresh-shared-secret-0123456789-abcdefghij";
const OTHER = "another-instance-secret-0123456789-abcdefgh";
const hashOf = (token: string) => createHash("sha256").update(token).digest("base64url");

/** A refresher whose coordinator hands back `shared` instead of running the refresh. */
function refresherWith(shared: (key: string) => string) {
  let ran = 0;
  const coordinator: RefreshCoordinator = {
    run: async (key) => shared(key),
  };
  const refresher = createTokenRefresher({
    client: () => {
      ran++;
      return Promise.reject(new Error("Polar must not be called"));
    },
    now: Date.now,
    sealer: createSealer([secret(SECRET)]),
    coordinator,
  });
  return { refresher, calls: () => ran };
}

/** What an instance says when the result it was handed does not open: the likely fix included. */
const UNOPENED =
  "The shared session store is unavailable: another instance's refresh result could not be opened (is SESSION_SECRET the same on every instance?).";

const tokens = { accessToken: "at-new", refreshToken: "rt-new", expiresAt: 2_000_000_000 };

describe("a refresh result handed over by another instance", () => {
  it("is used when sealed with the session secret for this refresh token", async () => {
    const sealer = createSealer([secret(SECRET)]);
    const { refresher, calls } = refresherWith((key) =>
      sealer.sealNow({ purpose: "polar-refresh", key, ...tokens }, 120),
    );
    const outcome = await refresher.refresh("rt-old", async (t) => `cookie for ${t.accessToken}`);
    expect(outcome.tokens).toMatchObject(tokens);
    expect(outcome.setCookie).toBe("cookie for at-new");
    expect(calls()).toBe(0);
  });

  it.each([
    ["a string", "openid email", "openid email"],
    ["not a string", 5, undefined],
  ])("keeps its scope when it is %s", async (_what, scope, kept) => {
    const sealer = createSealer([secret(SECRET)]);
    const { refresher } = refresherWith((key) =>
      sealer.sealNow({ purpose: "polar-refresh", key, ...tokens, scope }, 120),
    );
    const outcome = await refresher.refresh("rt-old", async () => "cookie");
    expect(outcome.tokens).toEqual({ ...tokens, scope: kept });
  });

  it("a refusal sealed for this refresh token ends the session without asking Polar", async () => {
    const sealer = createSealer([secret(SECRET)]);
    const { refresher, calls } = refresherWith((key) =>
      sealer.sealNow({ purpose: "polar-refresh", key, refused: true }, 120),
    );
    const error = await refresher.refresh("rt-old", async () => "cookie").catch((e) => e);
    expect(error).toMatchObject({
      code: "SESSION_ENDED",
      message: "The Polar session ended: the refresh token was refused. Sign in again.",
    });
    expect(calls()).toBe(0);
  });

  it.each<[string, (key: string) => string]>([
    [
      "sealed for another refresh token",
      (_key: string) =>
        createSealer([secret(SECRET)]).sealNow(
          { purpose: "polar-refresh", key: hashOf("rt-someone-else"), ...tokens },
          120,
        ),
    ],
    [
      "sealed with another SESSION_SECRET",
      (key: string) =>
        createSealer([secret(OTHER)]).sealNow({ purpose: "polar-refresh", key, ...tokens }, 120),
    ],
    [
      "another kind of seal (a session)",
      (key: string) => createSealer([secret(SECRET)]).sealNow({ key, ...tokens }, 120),
    ],
    ["not a seal", () => "at-new"],
    ...(["accessToken", "refreshToken", "expiresAt"] as const).map(
      (field) =>
        [
          `its ${field} is missing`,
          (key: string) =>
            createSealer([secret(SECRET)]).sealNow(
              { purpose: "polar-refresh", key, ...tokens, [field]: undefined },
              120,
            ),
        ] as [string, (key: string) => string],
    ),
    [
      "a refusal sealed for another refresh token",
      (_key: string) =>
        createSealer([secret(SECRET)]).sealNow(
          { purpose: "polar-refresh", key: hashOf("rt-someone-else"), refused: true },
          120,
        ),
    ],
    [
      "a refusal in another kind of seal",
      (key: string) => createSealer([secret(SECRET)]).sealNow({ key, refused: true }, 120),
    ],
  ])("is refused when %s", async (_what, shared) => {
    const { refresher, calls } = refresherWith(shared);
    let sealed = 0;
    const error = await refresher
      .refresh("rt-old", async () => {
        sealed++;
        return "cookie";
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(PolarStoreUnavailableError);
    expect(error.message).toBe(UNOPENED);
    expect(error.status).toBe(503);
    expect(sealed).toBe(0);
    expect(calls()).toBe(0);
  });
});

let tokenEndpoint: LocalServer | undefined;
afterEach(async () => {
  await tokenEndpoint?.close();
  tokenEndpoint = undefined;
});

/** A refresher against a token endpoint at `url`, on the clock `now`. */
function refresherAt(
  url: string,
  options: {
    now?: () => number;
    graceSeconds?: number;
    maxEntries?: number;
    coordinator?: RefreshCoordinator;
    /** The app's fetch (the `fetch` option), used for the token endpoint. */
    fetch?: typeof fetch | undefined;
    /** Seconds before a request to the token endpoint is abandoned. Default 5. */
    timeout?: number;
  } = {},
) {
  const configuration = new oidc.Configuration(
    { issuer: url, token_endpoint: `${url}/v1/oauth2/token` },
    "polar_ci_refresh",
    "polar_cs_refresh",
  );
  oidc.allowInsecureRequests(configuration);
  configuration.timeout = options.timeout ?? 5;
  if (options.fetch) configuration[oidc.customFetch] = options.fetch as oidc.CustomFetch;
  const now = options.now ?? Date.now;
  return createTokenRefresher({
    ...options,
    client: async () => configuration,
    now,
    sealer: createSealer([secret(SECRET)], now),
  });
}

/** What a refresh of "rt-old" throws against a token endpoint at `url` (through `fetch`). */
async function refreshError(url: string, fetch?: typeof globalThis.fetch): Promise<unknown> {
  return refresherAt(url, { fetch })
    .refresh("rt-old", async () => "cookie")
    .catch((e: unknown) => e);
}

describe("a refresh Polar refuses or does not answer: a typed error with an exact message", () => {
  it.each([
    [
      "429 with an OAuth error body",
      { status: 429, headers: { "retry-after": "7" }, body: { error: "slow_down" } },
      {
        code: "POLAR_RATE_LIMITED",
        message: "Polar rate limit on token refresh: retry after 7 s.",
        endpoint: "token refresh",
        retryAfterSeconds: 7,
      },
    ],
    [
      "429 with an empty body",
      { status: 429, headers: { "retry-after": "9" }, body: "" },
      {
        code: "POLAR_RATE_LIMITED",
        message: "Polar rate limit on token refresh: retry after 9 s.",
        endpoint: "token refresh",
        retryAfterSeconds: 9,
      },
    ],
    [
      "400 invalid_grant",
      { status: 400, body: { error: "invalid_grant" } },
      {
        code: "SESSION_ENDED",
        message: "The Polar session ended: the refresh token was refused. Sign in again.",
      },
    ],
    [
      "400 invalid_client",
      { status: 400, body: { error: "invalid_client" } },
      {
        code: "POLAR_API_ERROR",
        message: "Token refresh failed with 400 invalid_client.",
        endpoint: "token refresh",
        status: 400,
        error: "invalid_client",
      },
    ],
    [
      "400 with a token as its error code",
      { status: 400, body: { error: "polar_rt_u_Echoed0123" } },
      {
        code: "POLAR_API_ERROR",
        message: "Token refresh failed with 400 unknown.",
        status: 400,
        error: "unknown",
      },
    ],
    [
      "500 with a text body",
      { status: 500, body: "oops" },
      {
        code: "POLAR_API_ERROR",
        message: "Token refresh failed (OAUTH_RESPONSE_IS_NOT_CONFORM).",
        endpoint: "token refresh",
        status: 0,
      },
    ],
  ] as [string, Answer, Record<string, unknown>][])("%s", async (_case, answer, expected) => {
    tokenEndpoint = await startLocalServer(() => answer);
    const error = await refreshError(tokenEndpoint.url);
    expect(error).toMatchObject(expected);
    expect(tokenEndpoint.requests).toHaveLength(1);
  });

  it("no answer in time: POLAR_UNREACHABLE, no answer in time", async () => {
    tokenEndpoint = await startLocalServer(() => "hang");
    const error = await refresherAt(tokenEndpoint.url, { timeout: 0.3 })
      .refresh("rt-old", async () => "cookie")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "POLAR_UNREACHABLE",
      message: "Polar server unreachable at token endpoint: no answer in time.",
      url: "token endpoint",
    });
  });

  it("the app's fetch failing with a bare TypeError: POLAR_UNREACHABLE, connection failed", async () => {
    const failing: typeof fetch = async () => {
      throw new TypeError("socket hang up");
    };
    expect(await refreshError("http://127.0.0.1:9", failing)).toMatchObject({
      code: "POLAR_UNREACHABLE",
      message: "Polar server unreachable at token endpoint: connection failed.",
    });
  });

  it("the app's fetch aborted (an AbortSignal of its own): POLAR_UNREACHABLE, no answer in time", async () => {
    const aborted: typeof fetch = async () => {
      throw new DOMException("This operation was aborted", "AbortError");
    };
    expect(await refreshError("http://127.0.0.1:9", aborted)).toMatchObject({
      code: "POLAR_UNREACHABLE",
      message: "Polar server unreachable at token endpoint: no answer in time.",
    });
  });

  it("the app's fetch throwing its own 429 error (no headers): POLAR_RATE_LIMITED, retry later", async () => {
    const limited: typeof fetch = async () => {
      throw Object.assign(new Error("Too Many Requests"), { status: 429 });
    };
    expect(await refreshError("http://127.0.0.1:9", limited)).toMatchObject({
      code: "POLAR_RATE_LIMITED",
      message: "Polar rate limit on token refresh: retry later.",
      retryAfterSeconds: undefined,
    });
  });

  it("connection refused: POLAR_UNREACHABLE, connection failed", async () => {
    expect(await refreshError(await unusedLocalUrl())).toMatchObject({
      code: "POLAR_UNREACHABLE",
      message: "Polar server unreachable at token endpoint: connection failed.",
      url: "token endpoint",
    });
  });
});

/** A token endpoint that rotates as Polar does: refresh n answers at-n and rt-n. */
async function rotatingTokenEndpoint(answer?: (n: number) => Answer | undefined) {
  let n = 0;
  tokenEndpoint = await startLocalServer(() => {
    n++;
    return (
      answer?.(n) ?? {
        status: 200,
        body: {
          access_token: `at-${n}`,
          refresh_token: `rt-${n}`,
          token_type: "Bearer",
          expires_in: 900,
          scope: "openid email",
        },
      }
    );
  });
  return tokenEndpoint;
}

/** A clock in milliseconds that only moves when told. */
function manualClock() {
  let t = 1_800_000_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** Seals the outcome as a cookie naming its access token, counting the seals. */
function cookieSealer() {
  const sealed: string[] = [];
  const seal = async (t: { accessToken: string }) => {
    sealed.push(t.accessToken);
    return `session=${t.accessToken}`;
  };
  return { seal, sealed };
}

/** Instances sharing results as the Redis coordinator does: a result is kept, a throw is not. */
function sharedResults(): RefreshCoordinator {
  const results = new Map<string, string>();
  return {
    async run(key, refresh) {
      const ready = results.get(key);
      if (ready) return ready;
      const sealed = await refresh();
      results.set(key, sealed);
      return sealed;
    },
  };
}

describe("one request per refresh token", () => {
  it("returns the rotated tokens, expiring after expires_in, and the cookie sealed with them", async () => {
    const polar = await rotatingTokenEndpoint();
    const clock = manualClock();
    const { seal } = cookieSealer();
    const outcome = await refresherAt(polar.url, clock).refresh("rt-old", seal);
    expect(outcome).toEqual({
      tokens: {
        accessToken: "at-1",
        refreshToken: "rt-1",
        // openid-client counts expires_in from when the answer arrived (a second may tick).
        expiresAt: expect.toSatisfy((at: number) => at >= 1_800_000_899 && at <= 1_800_000_900),
        scope: "openid email",
      },
      setCookie: "session=at-1",
    });
    expect(new URLSearchParams(polar.requests[0]?.body).get("refresh_token")).toBe("rt-old");
  });

  it("an answer without a new refresh token or expires_in keeps the old one and lasts an hour", async () => {
    const polar = await rotatingTokenEndpoint(() => ({
      status: 200,
      body: { access_token: "at-kept", token_type: "Bearer" },
    }));
    const clock = manualClock();
    const outcome = await refresherAt(polar.url, clock).refresh("rt-old", cookieSealer().seal);
    expect(outcome.tokens).toEqual({
      accessToken: "at-kept",
      refreshToken: "rt-old",
      expiresAt: 1_800_000_000 + 3600,
      scope: undefined,
    });
  });

  it("concurrent refreshes of one token share one request, one seal and one outcome", async () => {
    const polar = await rotatingTokenEndpoint();
    const refresher = refresherAt(polar.url);
    const { seal, sealed } = cookieSealer();
    const [first, second] = await Promise.all([
      refresher.refresh("rt-old", seal),
      refresher.refresh("rt-old", seal),
    ]);
    expect(second).toBe(first);
    expect(polar.requests).toHaveLength(1);
    expect(sealed).toEqual(["at-1"]);
  });

  it("the old token gets the same outcome for 60 s, then Polar is asked again", async () => {
    const polar = await rotatingTokenEndpoint();
    const clock = manualClock();
    const refresher = refresherAt(polar.url, clock);
    const { seal, sealed } = cookieSealer();
    const first = await refresher.refresh("rt-old", seal);
    clock.advance(59_999);
    expect(await refresher.refresh("rt-old", seal)).toBe(first);
    expect(polar.requests).toHaveLength(1);
    clock.advance(1);
    expect((await refresher.refresh("rt-old", seal)).setCookie).toBe("session=at-2");
    expect(polar.requests).toHaveLength(2);
    expect(sealed).toEqual(["at-1", "at-2"]);
  });

  it("graceSeconds sets that window", async () => {
    const polar = await rotatingTokenEndpoint();
    const clock = manualClock();
    const refresher = refresherAt(polar.url, { ...clock, graceSeconds: 5 });
    const { seal } = cookieSealer();
    const first = await refresher.refresh("rt-old", seal);
    clock.advance(4_999);
    expect(await refresher.refresh("rt-old", seal)).toBe(first);
    clock.advance(1);
    expect((await refresher.refresh("rt-old", seal)).setCookie).toBe("session=at-2");
    expect(polar.requests).toHaveLength(2);
  });

  it("a failed refresh is not remembered: the next call asks Polar again", async () => {
    const polar = await rotatingTokenEndpoint((n) =>
      n === 1 ? { status: 500, body: "oops" } : undefined,
    );
    const refresher = refresherAt(polar.url);
    const { seal } = cookieSealer();
    const failed = await refresher.refresh("rt-old", seal).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: "POLAR_API_ERROR" });
    expect((await refresher.refresh("rt-old", seal)).setCookie).toBe("session=at-2");
    expect(polar.requests).toHaveLength(2);
  });

  it("beyond maxEntries outcomes, the oldest is forgotten first", async () => {
    const polar = await rotatingTokenEndpoint();
    const refresher = refresherAt(polar.url, { maxEntries: 2 });
    const { seal } = cookieSealer();
    await refresher.refresh("rt-a", seal);
    const b = await refresher.refresh("rt-b", seal);
    const c = await refresher.refresh("rt-c", seal);
    expect(polar.requests).toHaveLength(3);
    expect(await refresher.refresh("rt-c", seal)).toBe(c);
    expect(await refresher.refresh("rt-b", seal)).toBe(b);
    expect(polar.requests).toHaveLength(3);
    expect((await refresher.refresh("rt-a", seal)).setCookie).toBe("session=at-4");
    expect(polar.requests).toHaveLength(4);
  });
});

describe("instances sharing a coordinator", () => {
  it("the rotated tokens reach the other instance, which seals its own cookie: one request", async () => {
    const polar = await rotatingTokenEndpoint();
    const coordinator = sharedResults();
    const one = refresherAt(polar.url, { coordinator });
    const two = refresherAt(polar.url, { coordinator });
    const first = await one.refresh("rt-old", async () => "cookie from one");
    const second = await two.refresh("rt-old", async () => "cookie from two");
    expect(second.tokens).toEqual(first.tokens);
    expect(second.setCookie).toBe("cookie from two");
    expect(polar.requests).toHaveLength(1);
  });

  it("Polar's refusal reaches the other instance too: SESSION_ENDED there, Polar asked once", async () => {
    const polar = await rotatingTokenEndpoint(() => ({
      status: 400,
      body: { error: "invalid_grant" },
    }));
    const coordinator = sharedResults();
    for (const instance of [
      refresherAt(polar.url, { coordinator }),
      refresherAt(polar.url, { coordinator }),
    ]) {
      const error = await instance.refresh("rt-old", async () => "cookie").catch((e) => e);
      expect(error).toMatchObject({
        code: "SESSION_ENDED",
        message: "The Polar session ended: the refresh token was refused. Sign in again.",
      });
    }
    expect(polar.requests).toHaveLength(1);
  });

  it("a result handed over after its seal expired (grace window, a minute, the skew) is refused", async () => {
    const polar = await rotatingTokenEndpoint();
    const clock = manualClock();
    const late: RefreshCoordinator = {
      async run(_key, refresh) {
        const sealed = await refresh();
        clock.advance(60_000 + 60_000 + 60_000 + 1);
        return sealed;
      },
    };
    const error = await refresherAt(polar.url, { ...clock, coordinator: late })
      .refresh("rt-old", async () => "cookie")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolarStoreUnavailableError);
    expect((error as Error).message).toBe(UNOPENED);
  });
});
