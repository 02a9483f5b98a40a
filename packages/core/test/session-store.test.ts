import { describe, expect, it } from "vitest";
import { Secret } from "../src/secret.js";
import type { SessionData } from "../src/session/data.js";
import { memoryRevocationStore } from "../src/session/revocation.js";
import { createSessionStore, type SessionStoreOptions } from "../src/session/store.js";

const SECRET = new Secret("a".repeat(16) + "-session-secret-for-tests");

let nowMs = Date.now();
const clock = () => nowMs;

function setup(overrides: Partial<SessionStoreOptions> = {}) {
  const store = createSessionStore({
    clientId: "polar_ci_test",
    config: {
      secrets: [SECRET],
      cookieName: "s",
      idleTimeoutSeconds: 3600,
      absoluteTimeoutSeconds: 7200,
    },
    secure: true,
    now: clock,
    cacheSize: 100,
    rollingIntervalSeconds: 600,
    ...overrides,
  });
  const advance = (seconds: number) => {
    nowMs += seconds * 1000;
  };
  return { store, advance };
}

function data(store: ReturnType<typeof setup>["store"]): SessionData {
  return {
    ...store.start(),
    user: { sub: "user-1", email: "a@example.com", emailVerified: true },
    subType: "user",
    scope: "openid email",
    accessToken: "polar_at_u_test",
    refreshToken: "polar_rt_u_test",
    expiresAt: 0,
  };
}

const cookieOf = (setCookie: string) => setCookie.split(";")[0]!;

describe("session store", () => {
  it("issues a __Host- (over https), Secure, HttpOnly, Lax cookie whose Max-Age is the idle timeout", async () => {
    const { store } = setup();
    const setCookie = await store.issue(data(store));
    expect(setCookie).toMatch(/^__Host-s=Fe26\.2\*\d+\*[^;]+; Path=\/; /);
    expect(setCookie).toContain("Max-Age=3600");
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("Secure");
    expect(setCookie).toContain("SameSite=Lax");
  });

  it("reads back what it issued, and nothing from a forged or foreign cookie", async () => {
    const { store } = setup();
    const cookie = cookieOf(await store.issue(data(store)));
    expect((await store.read(cookie))?.data.user.sub).toBe("user-1");
    expect(await store.read(`${cookie.slice(0, -5)}AAAAA`)).toBeUndefined();
    expect(await store.read("s=garbage")).toBeUndefined();
    expect(await store.read("other=1")).toBeUndefined();
    expect(await store.read(undefined)).toBeUndefined();
  });

  it("caches only valid seals (garbage never takes a cache slot)", async () => {
    const { store } = setup();
    for (let i = 0; i < 50; i++) await store.read(`s=Fe26.2**garbage${i}`);
    expect(store.cacheSize).toBe(0);
    await store.issue(data(store));
    expect(store.cacheSize).toBe(1);
  });

  it("expires after the idle timeout without activity", async () => {
    const { store, advance } = setup();
    const cookie = cookieOf(await store.issue(data(store)));
    advance(3599);
    expect((await store.read(cookie))?.data.user.sub).toBe("user-1");
    advance(2);
    expect(await store.read(cookie)).toBeUndefined();
  });

  it("slides the idle timeout at most once per rolling interval, never past the absolute lifetime", async () => {
    const { store, advance } = setup();
    let cookie = cookieOf(await store.issue(data(store)));
    advance(300);
    expect((await store.read(cookie))?.setCookie).toBeUndefined();
    advance(400);
    const rolled = await store.read(cookie);
    expect(rolled?.setCookie).toMatch(/^(__Host-)?s=Fe26\.2\*[^;]+;/);
    cookie = cookieOf(rolled!.setCookie!);
    for (let t = 0; t < 6; t++) {
      advance(1000);
      const read = await store.read(cookie);
      if (!read) break;
      if (read.setCookie) cookie = cookieOf(read.setCookie);
    }
    // 700 + 6000 s > 7200 s absolute: the session is over however active it was.
    advance(1000);
    expect(await store.read(cookie)).toBeUndefined();
  });

  it("refuses a revoked session id even while its cookie is cached", async () => {
    const revocation = memoryRevocationStore(clock);
    const { store } = setup({ revocation });
    const cookie = cookieOf(await store.issue(data(store)));
    const read = await store.read(cookie);
    expect(read?.data.user.sub).toBe("user-1");
    const cleared = await store.end(read);
    expect(cleared).toContain("Max-Age=0");
    expect(await store.read(cookie)).toBeUndefined();
  });

  it("reads cookies sealed before a secret rotation", async () => {
    const { store } = setup();
    const cookie = cookieOf(await store.issue(data(store)));
    const rotated = createSessionStore({
      clientId: "polar_ci_test",
      config: {
        secrets: [new Secret("b".repeat(40)), SECRET],
        cookieName: "s",
        idleTimeoutSeconds: 3600,
        absoluteTimeoutSeconds: 7200,
      },
      secure: true,
      now: clock,
      cacheSize: 0,
      rollingIntervalSeconds: 600,
    });
    expect((await rotated.read(cookie))?.data.user.sub).toBe("user-1");
    const fresh = cookieOf(await rotated.issue((await rotated.read(cookie))!.data));
    expect(await store.read(fresh)).toBeUndefined();
  });
});
