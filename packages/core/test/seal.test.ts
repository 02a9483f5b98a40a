import { createCipheriv, createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { sealData, unsealData } from "iron-session";
import { describe, expect, it } from "vitest";
import { readCookie } from "../src/http/cookies.js";
import { Secret } from "../src/secret.js";
import { createSealCache } from "../src/session/cache.js";
import type { SessionData } from "../src/session/data.js";
import { createSealer } from "../src/session/seal.js";
import {
  type CachedSession,
  createSessionStore,
  type SessionStoreOptions,
} from "../src/session/store.js";

const A = `${"a".repeat(20)}-first-session-secret`;
const B = `${"b".repeat(20)}-second-session-secret`;
const idOf = (password: string) =>
  String(createHash("sha256").update(password).digest().readUInt32BE(0) + 1);

let nowMs = Date.UTC(2026, 0, 1);
const clock = () => nowMs;
const advance = (seconds: number) => {
  nowMs += seconds * 1000;
};

/**
 * An iron seal built by hand from its parts (iron's algorithm, written out here): the MAC is
 * valid for whatever the parts say, so a test can show what the sealer refuses beyond the MAC.
 */
function handSeal(
  password: string,
  parts: {
    prefix?: string;
    salt?: string;
    iv?: Buffer;
    plaintext?: string;
    expiration?: string;
    macSalt?: string;
  } = {},
): string {
  const {
    prefix = "Fe26.2",
    salt = "a1".repeat(32),
    iv = Buffer.alloc(16, 7),
    plaintext = JSON.stringify({ user: "alice" }),
    expiration = "",
    macSalt = "b2".repeat(32),
  } = parts;
  const key = (s: string) => pbkdf2Sync(password, s, 1, 32, "sha1");
  const cipher = createCipheriv("aes-256-cbc", key(salt), iv.length === 16 ? iv : Buffer.alloc(16));
  const encrypted = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const base = `${prefix}*${idOf(password)}*${salt}*${iv.toString("base64url")}*${encrypted.toString("base64url")}*${expiration}`;
  const mac = createHmac("sha256", key(macSalt)).update(base).digest("base64url");
  return `${base}*${macSalt}*${mac}~2`;
}

describe("iron seals (sealer)", () => {
  it("reads what iron-session seals and iron-session reads what it seals", async () => {
    const sealer = createSealer([new Secret(A)]);
    const byIron = await sealData({ hello: "wörld", n: [1, 2] }, { password: { [idOf(A)]: A } });
    expect(sealer.open(byIron)?.value).toEqual({ hello: "wörld", n: [1, 2] });
    expect(await sealer.unseal(byIron, 0)).toEqual({ hello: "wörld", n: [1, 2] });

    const ours = sealer.sealNow({ hello: "wörld" }, 3600);
    expect(ours).toMatch(
      /^Fe26\.2\*\d+\*[0-9a-f]{64}\*[\w-]{22}\*[\w-]+\*\d+\*[0-9a-f]{64}\*[\w-]{43}~2$/,
    );
    expect(await unsealData(ours, { password: { [idOf(A)]: A } })).toEqual({ hello: "wörld" });
    expect(await sealer.seal({ x: 1 }, 60)).toMatch(/~2$/);
  });

  it("refuses every tampered, truncated or foreign seal", () => {
    const sealer = createSealer([new Secret(A)]);
    const seal = sealer.sealNow({ user: "alice" }, 3600);
    const parts = seal.slice(0, -2).split("*");
    const variants: string[] = [
      "",
      "garbage",
      seal.slice(0, -2),
      `${seal}junk`,
      `${seal}${seal}`,
      `${seal}~2`,
      seal.slice(1),
      `${seal.slice(0, -3) + (seal.at(-3) === "A" ? "B" : "A")}~2`,
      seal.replace("Fe26.2", "Fe26.1"),
      `${seal.slice(0, -2)}*extra~2`,
      `${"x".repeat(9000)}~2`,
      createSealer([new Secret(B)]).sealNow({ user: "alice" }, 3600),
    ];
    // Any one component changed (a character flipped, or emptied) breaks the seal.
    for (let i = 1; i < parts.length; i++) {
      const flipped = [...parts];
      const part = flipped[i]!;
      flipped[i] = part ? (part[0] === "1" ? "2" : "1") + part.slice(1) : "1";
      variants.push(`${flipped.join("*")}~2`);
      const emptied = [...parts];
      emptied[i] = "";
      variants.push(`${emptied.join("*")}~2`);
    }
    for (const variant of variants) {
      expect(sealer.open(variant), variant.slice(0, 60)).toBeUndefined();
    }
    expect(sealer.open(seal)?.value).toEqual({ user: "alice" });
  });

  it("refuses a seal with a valid MAC whose format is still off", () => {
    const sealer = createSealer([new Secret(A)]);
    expect(sealer.open(handSeal(A))?.value).toEqual({ user: "alice" });
    const refused = {
      "another iron version": handSeal(A, { prefix: "Fe26.1" }),
      "an empty salt": handSeal(A, { salt: "" }),
      "an empty MAC salt": handSeal(A, { macSalt: "" }),
      "a `~` before the suffix (iron-session reads up to the first one)": handSeal(A, {
        macSalt: "b2~2",
      }),
      "an expiry that is not all digits": handSeal(A, { expiration: "1e20" }),
      "an expiry with a sign": handSeal(A, { expiration: "+9999999999999" }),
      "a 15-byte IV": handSeal(A, { iv: Buffer.alloc(15, 7) }),
      "a payload that is not JSON": handSeal(A, { plaintext: "{user" }),
    };
    for (const [what, seal] of Object.entries(refused)) {
      expect(sealer.open(seal), what).toBeUndefined();
    }
  });

  it("refuses a seal without its MAC part, and an iron seal whose `~2` suffix is other characters", () => {
    const sealer = createSealer([new Secret(A)]);
    const seal = sealer.sealNow({ user: "alice" }, 3600);
    const iron = seal.slice(0, -2);
    expect(sealer.open(`${iron.split("*").slice(0, 7).join("*")}~2`)).toBeUndefined();
    expect(sealer.open(`${iron}xy`)).toBeUndefined();
    expect(sealer.open(`${iron}~2`)?.value).toEqual({ user: "alice" });
  });

  it("opens a valid seal of up to 8192 characters, and none longer", () => {
    const sealer = createSealer([new Secret(A)]);
    // The MAC salt is free text, so it sets the length to the character.
    const ofLength = (length: number) => {
      const plaintext = JSON.stringify({ pad: "p".repeat(5000) });
      const short = handSeal(A, { plaintext, macSalt: "m" });
      const seal = handSeal(A, { plaintext, macSalt: "m".repeat(1 + length - short.length) });
      expect(seal).toHaveLength(length);
      return seal;
    };
    expect(sealer.open(ofLength(8192))?.value).toEqual({ pad: "p".repeat(5000) });
    expect(sealer.open(ofLength(8193))).toBeUndefined();
  });

  it("a seal made without a TTL carries no expiry and never expires", () => {
    let t = Date.UTC(2026, 0, 1);
    const sealer = createSealer([new Secret(A)], () => t);
    const seal = sealer.sealNow({ x: 1 }, 0);
    expect(seal.slice(0, -2).split("*")[5]).toBe("");
    t += 10 * 365 * 86_400_000;
    expect(sealer.open(seal)).toEqual({
      value: { x: 1 },
      expiresAtMs: undefined,
      secretId: sealer.currentSecretId,
    });
  });

  it("unseal gives only a non-empty object, like iron-session's unsealData", async () => {
    const sealer = createSealer([new Secret(A)]);
    const unsealed = async (value: unknown) => sealer.unseal(sealer.sealNow(value, 60), 60);
    expect(await unsealed({ a: 1 })).toEqual({ a: 1 });
    expect(await unsealed({})).toBeUndefined();
    expect(await unsealed([])).toBeUndefined();
    expect(await unsealed("text")).toBeUndefined();
    expect(await unsealed(42)).toBeUndefined();
    expect(await unsealed(null)).toBeUndefined();
    expect(await sealer.unseal("garbage", 60)).toBeUndefined();
  });

  it("checks the seal's own expiry on the injected clock (with iron's 60 s skew)", () => {
    let t = Date.UTC(2026, 0, 1);
    const sealer = createSealer([new Secret(A)], () => t);
    const seal = sealer.sealNow({ x: 1 }, 10);
    expect(sealer.open(seal)?.expiresAtMs).toBe(Date.UTC(2026, 0, 1) + 10_000);
    t += 69_000;
    expect(sealer.open(seal)?.value).toEqual({ x: 1 });
    t += 1_000;
    expect(sealer.open(seal)).toBeUndefined();
  });

  it("opens seals of every configured secret, seals with the first, and names the opening secret", () => {
    const old = createSealer([new Secret(A)]);
    const rotated = createSealer([new Secret(B), new Secret(A)]);
    const oldSeal = old.sealNow({ v: "old" }, 60);
    const newSeal = rotated.sealNow({ v: "new" }, 60);
    expect(rotated.open(oldSeal)?.value).toEqual({ v: "old" });
    expect(old.open(newSeal)).toBeUndefined();
    expect(newSeal.split("*")[1]).toBe(idOf(B));
    const opened = rotated.open(oldSeal)!;
    expect(old.accepts(opened.secretId)).toBe(true);
    expect(createSealer([new Secret(B)]).accepts(opened.secretId)).toBe(false);
  });

  it("accepts its own sealing secret's fingerprint, also from another sealer over the same secret", () => {
    const sealer = createSealer([new Secret(B), new Secret(A)]);
    expect(sealer.accepts(sealer.currentSecretId)).toBe(true);
    expect(sealer.accepts(createSealer([new Secret(A)]).currentSecretId)).toBe(true);
    expect(createSealer([new Secret(A)]).accepts(sealer.currentSecretId)).toBe(false);
  });

  it("refuses secrets shorter than 32 characters", () => {
    expect(() => createSealer([new Secret("short")])).toThrow(/32/);
    expect(() => createSealer([new Secret("x".repeat(31))])).toThrow(
      "Session secrets need at least 32 characters.",
    );
    expect(createSealer([new Secret("x".repeat(32))]).open("garbage")).toBeUndefined();
  });
});

describe("session read path (store + cache)", () => {
  function store(secrets: string[], overrides: Partial<SessionStoreOptions> = {}) {
    return createSessionStore({
      clientId: "polar_ci_test",
      config: {
        secrets: secrets.map((s) => new Secret(s)),
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
  }
  const session = (s: ReturnType<typeof store>): SessionData => ({
    ...s.start(),
    user: { sub: "user-1" },
    subType: "user",
    scope: "openid",
    accessToken: "polar_at_u_x",
    expiresAt: 0,
  });
  const cookieOf = (setCookie: string) => setCookie.split(";")[0]!;

  it("a cache built under one secret set never serves a seal the current secrets refuse", async () => {
    const cache = createSealCache<CachedSession>(100);
    const before = store([A], { cache });
    const cookie = cookieOf(await before.issue(session(before)));
    expect((await before.read(cookie))?.data.user.sub).toBe("user-1");
    expect(cache.size).toBe(1);

    // Same cache, A dropped: refused, and the entry is gone.
    const without = store([B], { cache });
    expect(await without.read(cookie)).toBeUndefined();
    expect(cache.size).toBe(0);

    // Same cache, A still accepted after B was prepended: served.
    const rotated = store([B, A], { cache });
    expect((await rotated.read(cookie))?.data.user.sub).toBe("user-1");
  });

  it("needs the exact seal for a hit: another body with a copied MAC is a miss, then refused", async () => {
    const s = store([A]);
    const cookie = cookieOf(await s.issue(session(s)));
    expect((await s.read(cookie))?.data.user.sub).toBe("user-1");
    const mac = cookie.slice(-45);
    const other = cookieOf(await s.issue({ ...session(s), user: { sub: "user-2" } }));
    const forged = `${other.slice(0, -45)}${mac}`;
    expect(forged).not.toBe(cookie);
    expect(await s.read(forged)).toBeUndefined();
    expect((await s.read(cookie))?.data.user.sub).toBe("user-1");
    expect((await s.read(other))?.data.user.sub).toBe("user-2");
  });

  it("keeps a cached session no longer than the seal's own expiry", async () => {
    const s = store([A]);
    // A seal whose own TTL (10 s) is shorter than the session it holds (idle 3600 s).
    const sealer = createSealer([new Secret(A)], clock);
    const data = { ...session(s) };
    const cookie = `__Host-s=${sealer.sealNow(data, 10)}`;
    expect((await s.read(cookie))?.data.user.sub).toBe("user-1");
    expect(s.cacheSize).toBe(1);
    advance(11);
    // iron would still accept it (60 s skew); the store does not, cached or not.
    expect(sealer.open(cookie.slice("__Host-s=".length))?.value).toMatchObject({
      user: { sub: "user-1" },
    });
    expect(await s.read(cookie)).toBeUndefined();
  });

  it("caches only valid sessions: garbage, foreign shapes and expired seals take no slot", async () => {
    const s = store([A]);
    const sealer = createSealer([new Secret(A)], clock);
    await s.read(`__Host-s=${sealer.sealNow({ not: "a session" }, 600)}`);
    for (let i = 0; i < 20; i++) await s.read(`__Host-s=Fe26.2*1*${i}~2`);
    expect(s.cacheSize).toBe(0);
  });

  it("stays within its bound, dropping the least recently used", async () => {
    const small = store([A], { cacheSize: 4 });
    const cookies: string[] = [];
    for (let i = 0; i < 4; i++) cookies.push(cookieOf(await small.issue(session(small))));
    // Keep the first one hot, then add four more.
    for (let i = 0; i < 4; i++) {
      await small.read(cookies[0]);
      cookies.push(cookieOf(await small.issue(session(small))));
    }
    expect(small.cacheSize).toBe(4);
    const cache = createSealCache<number>(4);
    const all = () => true;
    const seal = (i: number) => `Fe26.2*1*${"x".repeat(60)}*${String(i).padStart(43, "0")}~2`;
    for (let i = 0; i < 10; i++) {
      cache.set(seal(i), i, Number.MAX_SAFE_INTEGER, "k");
      expect(cache.get(seal(0), 0, all)).toBe(0); // hot: survives every eviction
    }
    expect(cache.size).toBe(4);
    expect(cache.get(seal(1), 0, all)).toBeUndefined();
    expect(cache.get(seal(5), 0, all)).toBeUndefined();
    expect(cache.get(seal(9), 0, all)).toBe(9);
  });

  it("moves a hit entry to the young end only once more than half the capacity was added or moved since", () => {
    const cache = createSealCache<string>(4);
    const all = () => true;
    const seal = (name: string) => `Fe26.2*1*${"x".repeat(60)}*${name.padStart(43, "0")}~2`;
    for (const name of ["a", "b", "c", "d"])
      cache.set(seal(name), name, Number.MAX_SAFE_INTEGER, "k");
    expect(cache.get(seal("b"), 0, all)).toBe("b"); // 2 added since b: stays where it is
    expect(cache.get(seal("a"), 0, all)).toBe("a"); // 3 added since a: moves
    cache.set(seal("e"), "e", Number.MAX_SAFE_INTEGER, "k"); // drops b, the oldest
    expect(cache.get(seal("c"), 0, all)).toBe("c"); // 3 added or moved since c: moves
    cache.set(seal("f"), "f", Number.MAX_SAFE_INTEGER, "k"); // drops d
    const kept = ["a", "b", "c", "d", "e", "f"].filter((n) => cache.get(seal(n), 0, all) === n);
    expect(kept).toEqual(["a", "c", "e", "f"]);
  });

  it("a delete needs the exact seal too, and forgetting an unknown seal is a no-op", () => {
    const cache = createSealCache<string>(4);
    const all = () => true;
    const mac = "M".repeat(43);
    const seal = `Fe26.2*1*${"x".repeat(60)}*${mac}~2`;
    cache.set(seal, "alice", Number.MAX_SAFE_INTEGER, "k");
    cache.delete(`Fe26.2*1*${"y".repeat(60)}*${mac}~2`);
    cache.delete(`Fe26.2*1*${"x".repeat(60)}*${"N".repeat(43)}~2`);
    expect(cache.get(seal, 0, all)).toBe("alice");
    cache.delete(seal);
    expect(cache.size).toBe(0);
    expect(cache.get(seal, 0, all)).toBeUndefined();
  });

  it("a cache of size 0 keeps nothing", () => {
    const cache = createSealCache<string>(0);
    const seal = `Fe26.2*1*${"x".repeat(60)}*${"M".repeat(43)}~2`;
    cache.set(seal, "alice", Number.MAX_SAFE_INTEGER, "k");
    expect(cache.size).toBe(0);
    expect(cache.get(seal, 0, () => true)).toBeUndefined();
  });

  it("re-seals at most once per rolling interval, also for concurrent requests with the old cookie", async () => {
    const s = store([A]);
    const cookie = cookieOf(await s.issue(session(s)));
    for (let i = 0; i < 20; i++) {
      advance(20);
      expect((await s.read(cookie))?.setCookie).toBeUndefined();
    }
    advance(200); // 600 s since the cookie was issued: one re-issue is due
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => s.read(cookie)));
    const setCookies = new Set(concurrent.map((r) => r?.setCookie));
    expect(setCookies.size).toBe(1);
    const [rolled] = [...setCookies];
    expect(rolled).toMatch(/^__Host-s=Fe26\.2\*/);
    // The re-issued cookie does not roll again until the next interval.
    advance(30);
    expect((await s.read(cookieOf(rolled!)))?.setCookie).toBeUndefined();
  });
});

describe("readCookie", () => {
  const previous = (header: string | undefined, name: string) => {
    if (!header) return undefined;
    for (const part of header.split(";")) {
      const trimmed = part.trim();
      if (trimmed.startsWith(`${name}=`)) return trimmed.slice(name.length + 1);
    }
    return undefined;
  };
  it.each([
    undefined,
    "",
    "s=1",
    "s=",
    " s=1 ",
    "a=1; s=2; s=3",
    "as=1; s=2",
    "s1=1;s=2",
    "s",
    "s;=1; s=x",
    ";;; s=1;",
    "a=1;\ts=two words ;b=2",
    "x=s=1; s=ok",
    "s =1; s=2",
  ])("finds the same value as split-and-trim in %j", (header) => {
    expect(readCookie(header, "s")).toBe(previous(header, "s"));
  });
});
