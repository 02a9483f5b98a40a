import { describe, expect, it } from "vitest";
import { Secret } from "../src/secret.js";
import { isSessionData, type SessionData, toPolarSession } from "../src/session/data.js";
import { memoryRevocationStore } from "../src/session/revocation.js";
import { createSealer } from "../src/session/seal.js";
import { createSessionStore, type SessionStoreOptions } from "../src/session/store.js";

const SECRET = new Secret(`${"a".repeat(16)}-session-secret-for-tests`);

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

  it("a session ends exactly at its idle expiry, from the cache and when opened afresh", async () => {
    const issuedAt = Date.UTC(2026, 0, 1) + 500; // mid-second: the session counts whole seconds
    nowMs = issuedAt;
    const { store } = setup();
    const { store: uncached } = setup({ cacheSize: 0 });
    const cookie = cookieOf(await store.issue(data(store)));
    const expiry = Date.UTC(2026, 0, 1) + 3600_000;
    nowMs = expiry - 1;
    expect((await store.read(cookie))?.data.user.sub).toBe("user-1");
    expect((await uncached.read(cookie))?.data.user.sub).toBe("user-1");
    nowMs = expiry;
    expect(await store.read(cookie)).toBeUndefined();
    expect(await uncached.read(cookie)).toBeUndefined();
  });

  it("requests with the old cookie share one re-issued cookie for 60 s, then get a fresh one", async () => {
    nowMs = Date.UTC(2026, 0, 1);
    const { store, advance } = setup();
    const cookie = cookieOf(await store.issue(data(store)));
    advance(600);
    const first = (await store.read(cookie))?.setCookie;
    expect(first).toMatch(/^__Host-s=Fe26\.2\*/);
    advance(59.999);
    expect((await store.read(cookie))?.setCookie).toBe(first);
    advance(0.001);
    const next = (await store.read(cookie))?.setCookie;
    expect(next).toMatch(/^__Host-s=Fe26\.2\*/);
    expect(next).not.toBe(first);
  });

  it("refuses a seal of this client, under its secret, that is not a session", async () => {
    const { store } = setup();
    const sealer = createSealer([SECRET], clock);
    const cookie = (value: unknown) => `__Host-s=${sealer.sealNow(value, 600)}`;
    const valid = data(store);
    expect((await store.read(cookie(valid)))?.data.user.sub).toBe("user-1");
    expect(
      await store.read(cookie({ ...valid, user: { email: "a@example.com" } })),
    ).toBeUndefined();
    expect(await store.read(cookie({ ...valid, touchedAt: "now" }))).toBeUndefined();
    expect(await store.read(cookie(null))).toBeUndefined();
    expect(store.cacheSize).toBe(1);
  });

  it("ending a session forgets its cached seal, with or without a cache, and ending none just clears", async () => {
    const { store } = setup();
    const read = await store.read(cookieOf(await store.issue(data(store))));
    expect(store.cacheSize).toBe(1);
    const cleared =
      "__Host-s=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax";
    expect(await store.end(read)).toBe(cleared);
    expect(store.cacheSize).toBe(0);
    expect(await store.end(undefined)).toBe(cleared);
    const { store: uncached } = setup({ cacheSize: 0 });
    const uncachedRead = await uncached.read(cookieOf(await uncached.issue(data(uncached))));
    expect(uncachedRead?.data.user.sub).toBe("user-1");
    expect(await uncached.end(uncachedRead)).toBe(cleared);
  });
});

describe("memory revocation store", () => {
  it("holds a revoked id through its last second, then lets it go", () => {
    let t = Date.UTC(2026, 0, 1);
    const until = t / 1000 + 100;
    const revocation = memoryRevocationStore(() => t);
    revocation.revoke("sid-1", until);
    expect(revocation.isRevoked("sid-1")).toBe(true);
    expect(revocation.isRevoked("sid-2")).toBe(false);
    t = until * 1000;
    // Another revoke prunes what has expired, not what expires this very moment.
    revocation.revoke("sid-2", until + 100);
    expect(revocation.isRevoked("sid-1")).toBe(true);
    t += 1;
    expect(revocation.isRevoked("sid-1")).toBe(false);
    expect(revocation.isRevoked("sid-2")).toBe(true);
  });
});

describe("session data", () => {
  const valid: SessionData = {
    v: 1,
    sid: "sid",
    cid: "polar_ci_test",
    user: { sub: "user-1" },
    subType: "user",
    scope: "openid",
    accessToken: "polar_at_u_test",
    refreshToken: "polar_rt_u_test",
    expiresAt: 1,
    createdAt: 1,
    touchedAt: 1,
  };

  it("isSessionData takes the session's shape and nothing else", () => {
    const { refreshToken: _, ...withoutRefresh } = valid;
    for (const good of [
      valid,
      withoutRefresh,
      { ...valid, subType: "organization", org: { id: "org-1" } },
      { ...valid, subType: "organization", org: { id: "org-1", name: "Acme", slug: "acme" } },
    ]) {
      expect(isSessionData(good), JSON.stringify(good)).toBe(true);
    }
    const bad: unknown[] = [
      undefined,
      null,
      "session",
      42,
      [],
      { ...valid, v: 2 },
      { ...valid, sid: 1 },
      { ...valid, cid: 1 },
      { ...valid, user: undefined },
      { ...valid, user: null },
      { ...valid, user: "user-1" },
      { ...valid, user: {} },
      { ...valid, user: { sub: 1 } },
      { ...valid, subType: "admin" },
      { ...valid, org: null },
      { ...valid, org: "org-1" },
      { ...valid, org: {} },
      { ...valid, org: { id: 1 } },
      { ...valid, org: { id: "org-1", name: 1 } },
      { ...valid, org: { id: "org-1", slug: 1 } },
      { ...valid, scope: ["openid"] },
      { ...valid, accessToken: undefined },
      { ...valid, refreshToken: null },
      { ...valid, expiresAt: "1" },
      { ...valid, createdAt: "1" },
      { ...valid, touchedAt: undefined },
    ];
    for (const value of bad) expect(isSessionData(value), JSON.stringify(value)).toBe(false);
  });

  it("toPolarSession gives only the fields the session has, and drops empty scopes", () => {
    expect(toPolarSession({ ...valid, scope: " openid  email " })).toStrictEqual({
      user: { sub: "user-1" },
      subType: "user",
      organization: undefined,
      scopes: ["openid", "email"],
      accessTokenExpiresAt: 1,
      signedInAt: 1,
      app: undefined,
    });
    const full = toPolarSession({
      ...valid,
      user: { sub: "user-1", email: "a@example.com", emailVerified: false },
      subType: "organization",
      org: { id: "org-1", name: "Acme", slug: "acme" },
      scope: "",
    });
    expect(full.user).toStrictEqual({
      sub: "user-1",
      email: "a@example.com",
      emailVerified: false,
    });
    expect(full.organization).toStrictEqual({ id: "org-1", name: "Acme", slug: "acme" });
    expect(full.scopes).toStrictEqual([]);
    expect(toPolarSession({ ...valid, org: { id: "org-1" } }).organization).toStrictEqual({
      id: "org-1",
    });
  });

  it("toPolarSession gives fresh lists each time, and follows a changed scope string", () => {
    const session = { ...valid, scope: "openid email" };
    const first = toPolarSession(session);
    first.scopes.push("admin");
    const second = toPolarSession(session);
    expect(second.scopes).toEqual(["openid", "email"]);
    second.scopes.push("admin");
    expect(toPolarSession(session).scopes).toEqual(["openid", "email"]);
    session.scope = "openid";
    expect(toPolarSession(session).scopes).toEqual(["openid"]);
  });
});
