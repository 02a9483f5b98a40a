import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PolarStoreUnavailableError } from "../src/errors.js";
import { createTokenRefresher } from "../src/flow/refresh.js";
import { secret } from "../src/secret.js";
import { createSealer } from "../src/session/seal.js";
import type { RefreshCoordinator } from "../src/state/store.js";

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
