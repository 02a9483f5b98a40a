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

/** What a refresh of "rt-old" throws against a token endpoint at `url` (0.3 s timeout). */
async function refreshError(url: string): Promise<unknown> {
  const configuration = new oidc.Configuration(
    { issuer: url, token_endpoint: `${url}/v1/oauth2/token` },
    "polar_ci_refresh",
    "polar_cs_refresh",
  );
  oidc.allowInsecureRequests(configuration);
  configuration.timeout = 0.3;
  const refresher = createTokenRefresher({
    client: async () => configuration,
    now: Date.now,
    sealer: createSealer([secret(SECRET)]),
  });
  return refresher.refresh("rt-old", async () => "cookie").catch((e: unknown) => e);
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
    expect(await refreshError(tokenEndpoint.url)).toMatchObject({
      code: "POLAR_UNREACHABLE",
      message: "Polar server unreachable at token endpoint: no answer in time.",
      url: "token endpoint",
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
