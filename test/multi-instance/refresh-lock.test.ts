/**
 * The refresh lock outlives the slowest refresh the kit allows (issue 21, item 2): derived from
 * POLAR_TIMEOUT_MS when `refreshLockMs` is not set, and refused at start, through both
 * adapters, when it is set shorter.
 */
import { randomBytes } from "node:crypto";
import { definePolarConfig, PolarConfigError } from "@polar-oauth/core";
import * as polarExpress from "@polar-oauth/express";
import * as polarKoa from "@polar-oauth/koa";
import { createRedisStore, type RedisStore } from "@polar-oauth/redis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdRefresh } from "../support/held-refresh.js";
import { TEST_SESSION_SECRET } from "../support/kit.js";
import { redisServerAvailable, startRedisServer, type TestRedis } from "../support/redis-server.js";

const quiet = { info() {}, warn() {}, error() {} };
const config = (timeoutMs: number) =>
  definePolarConfig({
    environment: "development",
    server: "http://127.0.0.1:9/",
    clientId: "polar_ci_lock_test",
    clientSecret: "polar_cs_lock_test",
    redirectUri: "http://127.0.0.1:3000/auth/callback",
    session: { secrets: TEST_SESSION_SECRET },
    startupCheck: "off",
    timeoutMs,
  });

describe.runIf(redisServerAvailable())("the refresh lock against POLAR_TIMEOUT_MS", () => {
  let redis: TestRedis;
  const stores: RedisStore[] = [];
  const open = async (refreshLockMs?: number) => {
    const store = createRedisStore({
      url: redis.url,
      prefix: "lock:",
      refreshLockMs,
      logger: quiet,
    });
    stores.push(store);
    await store.ready;
    return store;
  };
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis?.close();
  });

  it.each([
    ["express", polarExpress.polarAuth],
    ["koa", polarKoa.polarAuth],
  ] as const)(
    "%s: a refreshLockMs shorter than a refresh may take stops the app, naming both settings",
    async (_name, polarAuth) => {
      const store = await open(10_000);
      let error: unknown;
      try {
        polarAuth(config(5000), { store, logger: quiet });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PolarConfigError);
      const message = String((error as Error).message);
      expect(message).toContain("refreshLockMs");
      expect(message).toContain("POLAR_TIMEOUT_MS");
      expect(message).toContain("at least 11000");
      // Long enough: it starts.
      expect(() => polarAuth(config(4000), { store, logger: quiet })).not.toThrow();
    },
  );

  it("unset, the lock is derived from POLAR_TIMEOUT_MS: held longer than two Polar calls at the app's timeout", async () => {
    const store = await open();
    polarExpress.polarAuth(config(20_000), { store, logger: quiet });
    const key = randomBytes(8).toString("hex");
    // this instance holds the lock and is "at Polar"
    const { finish, refreshing } = await holdRefresh(store.refresh, key);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    const ttl = await raw.pTTL(`lock:refresh:lock:${key}`);
    await raw.close();
    expect(ttl).toBeGreaterThan(40_000);
    finish();
    expect(await refreshing).toBe("sealed");
  });
});
