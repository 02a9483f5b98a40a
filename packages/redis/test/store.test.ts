import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { PolarConfigError, PolarStoreUnavailableError } from "@polar-oauth/core";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../../test/support/eventually.js";
import { holdRefresh } from "../../../test/support/held-refresh.js";
import {
  redisServerAvailable,
  startRedisServer,
  type TestRedis,
} from "../../../test/support/redis-server.js";
import { createRedisStore, type RedisStore } from "../src/index.js";

const quiet = { info() {}, warn() {}, error() {} };

/** How many times Redis ran `command` since the last CONFIG RESETSTAT. */
async function commandCalls(raw: ReturnType<typeof createClient>, command: string) {
  const stats = await raw.info("commandstats");
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
}

const revoked = async (store: RedisStore, sid: string) => {
  try {
    return await store.revocation.isRevoked(sid);
  } catch {
    return "unavailable" as const;
  }
};

describe.runIf(redisServerAvailable())("@polar-oauth/redis against a real redis-server", () => {
  let redis: TestRedis;
  const stores: RedisStore[] = [];
  const open = async (prefix = "t:") => {
    const store = createRedisStore({ url: redis.url, prefix, refreshPollMs: 5, logger: quiet });
    stores.push(store);
    await store.ready;
    return store;
  };

  /** Waits until some instance holds the refresh lock for `key`. */
  const lockTaken = async (key: string) => {
    const raw = createClient({ url: redis.url });
    await raw.connect();
    await eventually(async () => (await raw.exists(`t:refresh:lock:${key}`)) === 1, "lock taken");
    await raw.close();
  };

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis?.close();
  });

  it("revocation: a session revoked on one instance is refused by the others, and by one started later", async () => {
    const [a, b] = [await open(), await open()];
    const sid = randomBytes(16).toString("base64url");
    expect(await b.revocation.isRevoked(sid)).toBe(false);
    await a.revocation.revoke(sid, Math.floor(Date.now() / 1000) + 3600);
    expect(await a.revocation.isRevoked(sid)).toBe(true);
    await eventually(async () => (await revoked(b, sid)) === true, "b's mirror gets it");
    const late = await open();
    expect(await late.revocation.isRevoked(sid)).toBe(true);
    // Entries past their session's expiry are gone.
    const old = randomBytes(16).toString("base64url");
    await a.revocation.revoke(old, Math.floor(Date.now() / 1000) - 10);
    const later = await open();
    expect(await later.revocation.isRevoked(old)).toBe(false);
  });

  it("keys live under the prefix; a revoked entry holds the session id only", async () => {
    const store = await open("app-one:");
    const sid = randomBytes(16).toString("base64url");
    await store.revocation.revoke(sid, Math.floor(Date.now() / 1000) + 60);
    await store.replay.claim("state-hash", 600);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    const keys = await raw.keys("app-one:*");
    expect(keys.sort()).toEqual(["app-one:replay:state-hash", "app-one:revoked"]);
    expect(await raw.zScore("app-one:revoked", sid)).toBeGreaterThan(Date.now() / 1000);
    await raw.close();
  });

  it("replay: a state claimed on one instance is refused on another, for the transaction's lifetime", async () => {
    const [a, b] = [await open(), await open()];
    const key = randomBytes(8).toString("hex");
    expect(await a.replay.claim(key, 600)).toBe(true);
    expect(await b.replay.claim(key, 600)).toBe(false);
    expect(await a.replay.claim(key, 600)).toBe(false);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    const ttl = await raw.ttl(`t:replay:${key}`);
    await raw.close();
    expect(ttl).toBeGreaterThan(500);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it("refresh: concurrent runs on three instances call refresh once and all get its result", async () => {
    const instances = [await open(), await open(), await open()];
    const key = randomBytes(8).toString("hex");
    let calls = 0;
    const refresh = async () => {
      calls++;
      await sleep(50);
      return `sealed-${calls}`;
    };
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => instances[i % 3]!.refresh.run(key, refresh, 60_000)),
    );
    expect(calls).toBe(1);
    expect(new Set(results)).toEqual(new Set(["sealed-1"]));
    // Within the grace window a late caller gets the same result without refreshing.
    expect(await instances[2]!.refresh.run(key, refresh, 60_000)).toBe("sealed-1");
    expect(calls).toBe(1);
  });

  it("refresh: when the winner fails, a waiting instance takes over", async () => {
    const [a, b] = [await open(), await open()];
    const key = randomBytes(8).toString("hex");
    const failing = async () => {
      await sleep(50);
      throw new Error("invalid_grant at Polar");
    };
    const first = a.refresh.run(key, failing, 60_000);
    await lockTaken(key);
    const second = b.refresh.run(key, async () => "sealed-by-b", 60_000);
    await expect(first).rejects.toThrow("invalid_grant");
    expect(await second).toBe("sealed-by-b");
  });

  it("refresh: a winner that fails releases its lock at once: the waiter takes over at its next polls, not after the lock's 10 s", async () => {
    const a = createRedisStore({
      url: redis.url,
      prefix: "t:",
      refreshLockMs: 10_000,
      refreshPollMs: 5,
      logger: quiet,
    });
    const b = createRedisStore({
      url: redis.url,
      prefix: "t:",
      refreshLockMs: 10_000,
      refreshPollMs: 5,
      logger: quiet,
    });
    stores.push(a, b);
    await Promise.all([a.ready, b.ready]);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    const key = randomBytes(8).toString("hex");
    let fail!: () => void;
    const failed = new Promise<void>((resolve) => {
      fail = resolve;
    });
    const first = a.refresh.run(
      key,
      async () => {
        await failed;
        throw new Error("Polar unreachable");
      },
      60_000,
    );
    await lockTaken(key);
    await raw.configResetStat();
    const second = b.refresh.run(key, async () => "sealed-by-b", 60_000);
    // b is waiting: it has polled the lock (EXISTS) at least twice.
    await eventually(async () => (await commandCalls(raw, "exists")) >= 2, "b polls");
    await raw.configResetStat();
    fail();
    await expect(first).rejects.toThrow("Polar unreachable");
    expect(await second).toBe("sealed-by-b");
    // Released at once: a handful of polls. Waiting the lock out would take about 2,000.
    expect(await commandCalls(raw, "exists")).toBeLessThanOrEqual(5);
    await raw.close();
  });

  it("refresh: the lock lives refreshLockMs and the stored result the grace window, no longer", async () => {
    const store = createRedisStore({
      url: redis.url,
      prefix: "t:",
      refreshLockMs: 10_000,
      logger: quiet,
    });
    stores.push(store);
    await store.ready;
    const raw = createClient({ url: redis.url });
    await raw.connect();
    const key = randomBytes(8).toString("hex");
    // the lock is held while the refresh is "at Polar"
    const { finish, refreshing } = await holdRefresh(store.refresh, key);
    const lockTtl = await raw.pTTL(`t:refresh:lock:${key}`);
    expect(lockTtl).toBeGreaterThan(0);
    expect(lockTtl).toBeLessThanOrEqual(10_000);
    finish();
    expect(await refreshing).toBe("sealed");
    const resultTtl = await raw.pTTL(`t:refresh:result:${key}`);
    expect(resultTtl).toBeGreaterThan(0);
    expect(resultTtl).toBeLessThanOrEqual(60_000);
    await raw.close();
  });

  it("refresh: when the winner died holding the lock, one other instance refreshes after the lock expires", async () => {
    const store = await open();
    const key = randomBytes(8).toString("hex");
    const raw = createClient({ url: redis.url });
    await raw.connect();
    await raw.set(`t:refresh:lock:${key}`, "a-dead-instance", {
      expiration: { type: "PX", value: 200 },
    });
    await raw.close();
    let calls = 0;
    const results = await Promise.all(
      [1, 2, 3].map(() => store.refresh.run(key, async () => `sealed-${++calls}`, 60_000)),
    );
    expect(calls).toBe(1);
    expect(results).toEqual(["sealed-1", "sealed-1", "sealed-1"]);
  });

  it("refresh: a bounded wait ends in a 503 error when the lock holder never answers", async () => {
    const store = createRedisStore({
      url: redis.url,
      prefix: "t:",
      refreshWaitMs: 300,
      refreshLockMs: 5000,
      logger: quiet,
    });
    stores.push(store);
    await store.ready;
    const key = randomBytes(8).toString("hex");
    const holder = store.refresh.run(key, () => sleep(1500).then(() => "late"), 60_000);
    await lockTaken(key);
    const other = createRedisStore({
      url: redis.url,
      prefix: "t:",
      refreshWaitMs: 300,
      logger: quiet,
    });
    stores.push(other);
    await other.ready;
    const error = await other.refresh.run(key, async () => "never", 60_000).catch((e) => e);
    expect(error).toBeInstanceOf(PolarStoreUnavailableError);
    expect(error.status).toBe(503);
    expect(await holder).toBe("late");
  });

  it("Redis down: checks fail closed and commands answer 503 at once; back up: everything recovers, revocations included", async () => {
    const [a, b] = [await open(), await open()];
    const sid = randomBytes(16).toString("base64url");
    await a.revocation.revoke(sid, Math.floor(Date.now() / 1000) + 3600);
    await eventually(async () => (await revoked(b, sid)) === true, "b has it");

    await redis.stop();
    await eventually(() => !a.available() && !b.available(), "both see Redis gone");
    expect(await revoked(b, "any-session")).toBe("unavailable");
    const claim = await Promise.resolve(b.replay.claim("k", 600)).catch((e) => e);
    expect(claim).toBeInstanceOf(PolarStoreUnavailableError);
    // Names where and why (issue 20): host and port, and the cause.
    // Exactly that: never the client's own message (it may quote a connection string).
    expect(claim.message).toBe(
      `The shared session store is unavailable: Redis at 127.0.0.1:${redis.port}: not connected (reconnecting).`,
    );
    const run = await b.refresh.run("k", async () => "x", 1000).catch((e) => e);
    expect(run).toBeInstanceOf(PolarStoreUnavailableError);

    await redis.start(); // empty: no persistence
    await eventually(() => a.available() && b.available(), "both back");
    expect(await b.revocation.isRevoked("any-session")).toBe(false);
    // The instances wrote their mirrors back: the revocation survived the empty restart.
    expect(await b.revocation.isRevoked(sid)).toBe(true);
    const fresh = await open();
    expect(await fresh.revocation.isRevoked(sid)).toBe(true);
    expect(await b.replay.claim(randomBytes(8).toString("hex"), 600)).toBe(true);
  });
});

describe("@polar-oauth/redis without a server", () => {
  it("ready rejects with a 503 error naming host, port and cause when nothing answers in startTimeoutMs", async () => {
    const store = createRedisStore({
      url: "redis://127.0.0.1:1",
      startTimeoutMs: 200,
      logger: quiet,
    });
    try {
      const error = await store.ready.catch((e) => e);
      expect(error).toBeInstanceOf(PolarStoreUnavailableError);
      expect(String(error.message)).toMatch(/within 200 ms/);
      expect(String(error.message)).toContain("Redis at 127.0.0.1:1");
      expect(String(error.message)).toContain("connection refused");
      expect(store.available()).toBe(false);
      expect(() => store.revocation.isRevoked("any")).toThrow(PolarStoreUnavailableError);
    } finally {
      await store.close();
    }
  });
});

describe("@polar-oauth/redis options", () => {
  it("names REDIS_URL when it is missing, and hides a malformed URL's value", async () => {
    const { resolveRedisStoreOptions } = await import("../src/options.js");
    expect(() => resolveRedisStoreOptions({}, {})).toThrow(/REDIS_URL: is missing/);
    let error: unknown;
    try {
      resolveRedisStoreOptions({}, { REDIS_URL: "http://user:hunter2-secret@host" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolarConfigError);
    expect(String((error as Error).message)).toMatch(/REDIS_URL: is not a Redis URL/);
    expect(String((error as Error).message)).not.toContain("hunter2");
    expect(resolveRedisStoreOptions({ url: "redis://127.0.0.1:6379" }, {}).prefix).toBe(
      "polar-oauth:",
    );
  });
});
