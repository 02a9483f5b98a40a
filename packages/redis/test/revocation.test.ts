/**
 * The revocation store's edges against a real redis-server: writes Redis refuses (out of
 * memory, paused), the channel's bounds, the settings it reads at start, and its errors.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { PolarStoreUnavailableError } from "@polar-oauth/core";
import { createClient, type RedisClientType } from "redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../../test/support/eventually.js";
import {
  redisServerAvailable,
  startRedisServer,
  type TestRedis,
} from "../../../test/support/redis-server.js";
import { createRedisCall } from "../src/errors.js";
import { createRedisStore, type RedisStore, type RedisStoreOptions } from "../src/index.js";
import { createRevocationMirror } from "../src/revocation.js";

const checked = (store: RedisStore, sid: string) => {
  try {
    return store.revocation.isRevoked(sid) as boolean;
  } catch {
    return "unavailable" as const;
  }
};
const sid = () => randomBytes(16).toString("base64url");
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe.runIf(redisServerAvailable())("the Redis revocation store's edges", () => {
  let redis: TestRedis;
  let raw: RedisClientType;
  const stores: RedisStore[] = [];
  const open = async (options: Partial<RedisStoreOptions> = {}) => {
    const logs: string[] = [];
    const store = createRedisStore({
      url: redis.url,
      prefix: "e:",
      revocationRetryMs: 20,
      logger: {
        info: (m) => logs.push(`info ${m}`),
        warn: (m) => logs.push(`warn ${m}`),
        error: (m) => logs.push(`error ${m}`),
      },
      ...options,
    });
    stores.push(store);
    await store.ready;
    return { store, logs };
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    raw = createClient({ url: redis.url }) as RedisClientType;
    await raw.connect();
  });
  afterEach(async () => {
    await raw.sendCommand(["CLIENT", "UNPAUSE"]);
    await raw.configSet({ maxmemory: "0", "maxmemory-policy": "noeviction" });
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await raw?.close();
    await redis?.close();
  });

  it("a write Redis refuses (maxmemory): pending, refused by every instance at once, written once the limit is lifted", async () => {
    const [a, b] = [await open(), await open()];
    const session = sid();
    await raw.configSet("maxmemory", "1");
    expect(await a.store.revocation.revoke(session, inAnHour())).toBe("pending");
    expect(a.store.revocation.backlog).toBe(1);
    expect(checked(a.store, session)).toBe(true);
    // Published as pending (PUBLISH needs no memory): the other instance refuses it and keeps
    // it to retry the write too.
    await eventually(() => checked(b.store, session) === true, "b refuses it");
    expect(b.store.revocation.backlog).toBe(1);
    await sleep(100); // several retries, all refused
    expect(await raw.zScore("e:revoked", session)).toBeNull();
    expect(a.logs.join("\n")).toContain("out of memory");

    await raw.configSet("maxmemory", "0");
    await eventually(async () => (await raw.zScore("e:revoked", session)) !== null, "written");
    await eventually(
      () => a.store.revocation.backlog === 0 && b.store.revocation.backlog === 0,
      "both backlogs empty",
    );
    const late = await open();
    expect(checked(late.store, session)).toBe(true);
  });

  it("every command honours commandTimeoutMs, MULTI included: under CLIENT PAUSE WRITE a revoke answers pending while Redis is still paused", async () => {
    const { store, logs } = await open({ commandTimeoutMs: 100 });
    const session = sid();
    await raw.sendCommand(["CLIENT", "PAUSE", "60000", "WRITE"]);
    expect(await store.revocation.revoke(session, inAnHour())).toBe("pending");
    const claim = await Promise.resolve(store.replay.claim(sid(), 600)).catch((e) => e);
    expect(claim).toBeInstanceOf(PolarStoreUnavailableError);
    expect(claim.message).toContain(`Redis at 127.0.0.1:${redis.port}: no answer within 100 ms`);
    expect(await raw.zScore("e:revoked", session)).toBeNull(); // still paused
    expect(logs.join("\n")).toContain("no answer within 100 ms");
    await raw.sendCommand(["CLIENT", "UNPAUSE"]);
    await eventually(() => store.revocation.backlog === 0, "written after the pause");
    expect(await raw.zScore("e:revoked", session)).not.toBeNull();
  });

  it("a reload that started before a disconnect does not restore trust, even when both connections are back by its end", async () => {
    const connection = { url: redis.url, disableOfflineQueue: true };
    const client = createClient(connection) as RedisClientType;
    const subscriber = createClient({
      ...connection,
      socket: { reconnectStrategy: () => 20 },
    }) as RedisClientType;
    for (const c of [client, subscriber]) c.on("error", () => {});
    await Promise.all([client.connect(), subscriber.connect()]);
    // Every Redis call the mirror makes goes through this; `hold` stops the next one after its
    // answer until released (a barrier, not a sleep).
    const call = createRedisCall("127.0.0.1", 5000);
    let hold: { reached: () => void; release: Promise<void> } | undefined;
    const mirror = createRevocationMirror({
      client,
      subscriber,
      prefix: "d:",
      now: Date.now,
      call: async (command) => {
        const answer = await call(command);
        const held = hold;
        hold = undefined;
        if (held) {
          held.reached();
          await held.release;
        }
        return answer;
      },
      logger: { info() {}, warn() {}, error() {} },
      maxEntries: 100,
      retryMs: 60_000,
    });
    // What the store does: every disconnect distrusts the mirror.
    subscriber.on("reconnecting", () => mirror.distrust());
    try {
      await mirror.reload();
      expect(mirror.trusted).toBe(true);
      const subscriberId = await subscriber.clientId();

      let reached!: () => void;
      let release!: () => void;
      const atPing = new Promise<void>((resolve) => {
        reached = resolve;
      });
      hold = { reached, release: new Promise<void>((resolve) => (release = resolve)) };
      const reloading = mirror.reload();
      await atPing; // the reload has pinged the subscriber and waits before loading
      const back = new Promise((resolve) => subscriber.once("ready", resolve));
      await raw.sendCommand(["CLIENT", "KILL", "ID", String(subscriberId)]);
      await back;
      expect(subscriber.isReady).toBe(true);
      expect(mirror.trusted).toBe(false);
      release();
      await reloading.catch(() => {});
      // Revocations published while the subscriber was away were missed: only a reload that
      // starts now may trust the mirror again.
      expect(mirror.trusted).toBe(false);
      await mirror.reload();
      expect(mirror.trusted).toBe(true);
    } finally {
      mirror.stop();
      await Promise.allSettled([client.close(), subscriber.close()]);
    }
  });

  it("the channel is bounded: malformed and out-of-lifetime messages are ignored; a full mirror fails closed, logged, until a reload finds room", async () => {
    const { store, logs } = await open({ maxRevocations: 4 });
    store.configure?.({ refreshTimeoutMs: 1000, sessionLifetimeSeconds: 86_400, now: Date.now });
    const now = Math.floor(Date.now() / 1000);
    const marker = sid();
    const ignored = {
      beyondLifetime: `${now + 30 * 86_400} far-${sid()}`,
      expired: `${now - 10} old-${sid()}`,
      notANumber: `soon nan-${sid()}`,
      fraction: `${now + 60}.5 frac-${sid()}`,
      longId: `${now + 60} ${"x".repeat(200)}`,
      badFlag: `${now + 60} flag-${sid()} revoked`,
      extra: `${now + 60} a b c`,
    };
    for (const message of [...Object.values(ignored), "junk", "", "   "]) {
      await raw.publish("e:revocations", message);
    }
    await raw.publish("e:revocations", `${now + 60} ${marker}`);
    await eventually(() => checked(store, marker) === true, "the marker arrives");
    for (const message of Object.values(ignored)) {
      expect(checked(store, message.split(" ")[1]!), message).toBe(false);
    }
    expect(store.available()).toBe(true);

    const written = sid();
    expect(await store.revocation.revoke(written, now + 600)).toBe("revoked");
    for (let n = 0; n < 4; n++) await raw.publish("e:revocations", `${now + 60} flood-${n}`);
    await eventually(() => checked(store, marker) === "unavailable", "fails closed");
    expect(store.available()).toBe(false);
    expect(logs.filter((l) => l.includes("revocation mirror is full"))).toHaveLength(1);
    // A reload rebuilds it from Redis: the flood (never written) is gone, real revocations stay.
    await store.revocation.reload();
    expect(checked(store, written)).toBe(true);
    expect(checked(store, "flood-0")).toBe(false);
    expect(store.available()).toBe(true);
  });

  it("at start it reads maxmemory-policy and persistence, and warns naming the setting", async () => {
    await raw.configSet("maxmemory-policy", "allkeys-lru");
    const { logs } = await open();
    const text = logs.join("\n");
    expect(text).toContain(`Redis at 127.0.0.1:${redis.port} has maxmemory-policy allkeys-lru`);
    expect(text).toContain("Set maxmemory-policy to noeviction");
    expect(text).toContain('has appendonly no, no snapshots either (save "")');
    expect(text).toContain("Set appendonly yes");

    await raw.configSet({ "maxmemory-policy": "noeviction", appendonly: "yes" });
    try {
      const fine = await open();
      expect(fine.logs.filter((l) => l.startsWith("warn"))).toEqual([]);
    } finally {
      await raw.configSet("appendonly", "no");
    }
  });

  it("a Redis user that may not run CONFIG (managed Redis): noted, the store starts; a wrong password: named as such, never shown", async () => {
    await raw.sendCommand([
      "ACL",
      "SETUSER",
      "limited",
      "on",
      ">limited-pass-4711",
      "~*",
      "&*",
      "+@all",
      "-config",
    ]);
    const url = `redis://limited:limited-pass-4711@127.0.0.1:${redis.port}`;
    const { store, logs } = await open({ url });
    expect(store.available()).toBe(true);
    const text = logs.join("\n");
    expect(text).toContain("could not read the settings of Redis");
    expect(text).toContain("permission denied");
    expect(text).not.toContain("limited-pass-4711");

    const wrong = createRedisStore({
      url: `redis://limited:wrong-pass-0815@127.0.0.1:${redis.port}`,
      startTimeoutMs: 300,
      logger: { info() {}, warn() {}, error() {} },
    });
    stores.push(wrong);
    const error = await wrong.ready.catch((e) => e);
    expect(error).toBeInstanceOf(PolarStoreUnavailableError);
    expect(error.message).toContain(`Redis at 127.0.0.1:${redis.port}`);
    expect(error.message).toContain("authentication failed");
    expect(error.message).not.toContain("wrong-pass-0815");
  });
});
