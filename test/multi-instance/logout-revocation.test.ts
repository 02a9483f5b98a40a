/**
 * Logout always takes effect, or says it did not (issue 21, item 1): three instances (Express,
 * Koa, Express) on one real redis-server, logging out while Redis is stopped or refuses writes.
 */
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { createRedisStore } from "@polar-oauth/redis";
import { createClient, type RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unsealWith } from "../security/support/seals.js";
import { type Cluster, startCluster } from "../support/cluster.js";
import { eventually } from "../support/eventually.js";
import { signIn, TEST_SESSION_SECRET, TestBrowser } from "../support/kit.js";
import { redisServerAvailable, startRedisServer, type TestRedis } from "../support/redis-server.js";

const JSON_ACCEPT = { accept: "application/json" };
const everyInstance = [0, 1, 2];

describe.runIf(redisServerAvailable())(
  "logout with Redis in trouble, three instances (Express, Koa, Express)",
  () => {
    let emulator: Emulator;
    let redis: TestRedis;
    let cluster: Cluster;

    /** The copy's answers on `/dashboard` from every instance directly. */
    const statuses = (copy: TestBrowser) =>
      Promise.all(
        everyInstance.map(async (i) => {
          const answer = await fetch(new URL("/dashboard", cluster.instances[i]!.url), {
            headers: { ...JSON_ACCEPT, cookie: copy.cookieHeader(new URL(cluster.url)) },
            redirect: "manual",
          });
          return answer.status;
        }),
      );
    const sessionIdOf = async (browser: TestBrowser) =>
      (
        await unsealWith(
          decodeURIComponent(browser.cookie(cluster.config.session!.cookieName)!.value),
          TEST_SESSION_SECRET,
        )
      ).sid as string;
    const logoutAt = (index: number, browser: TestBrowser, headers: Record<string, string>) =>
      fetch(new URL("/auth/logout", cluster.instances[index]!.url), {
        method: "POST",
        headers: { ...headers, cookie: browser.cookieHeader(new URL(cluster.url)) },
        redirect: "manual",
      });

    beforeAll(async () => {
      emulator = await startEmulator({ rateLimits: false });
      redis = await startRedisServer();
      cluster = await startCluster({
        emulator,
        redisUrl: redis.url,
        frameworks: ["express", "koa", "express"],
        prefix: "logout:",
        storeOptions: { revocationRetryMs: 50 },
      });
    });
    afterAll(async () => {
      await cluster?.close();
      await redis?.close();
      await emulator?.close();
    });

    /** Logout's answer says the revocation is pending: 202 JSON, or 303 for a browser form. */
    const expectPending = async (logout: Response, asJson: boolean) => {
      expect(logout.status).toBe(asJson ? 202 : 303);
      expect(logout.headers.get("polar-revocation")).toBe("pending");
      expect(logout.headers.get("set-cookie")).toMatch(/Max-Age=0/i);
      if (asJson) expect(await logout.json()).toMatchObject({ revocation: "pending" });
    };
    // Each repro through both adapters, and both answer forms.
    const cases = [
      ["Express", 0, true],
      ["Koa", 1, false],
    ] as const;
    const other = [
      ["Koa", 1, true],
      ["Express", 0, false],
    ] as const;

    it.each(cases)(
      "Redis stopped during logout (%s): revoked at Polar, answered pending; once Redis is back the copy is refused on every instance",
      async (_name, index, asJson) => {
        const browser = new TestBrowser();
        await signIn(browser, { url: cluster.url });
        const copy = browser.clone();
        expect(await statuses(copy)).toEqual([200, 200, 200]);

        await redis.stop();
        await eventually(
          () => cluster.instances.every((i) => !i.store.available()),
          "every instance sees Redis gone",
        );
        const revokedAtPolar = emulator.stats().requests.revoke;
        const logout = await logoutAt(
          index,
          browser,
          asJson ? JSON_ACCEPT : { "sec-fetch-site": "same-origin" },
        );
        await expectPending(logout, asJson);
        // The cookie was opened without the (failing) revocation check: Polar was asked.
        expect(emulator.stats().requests.revoke).toBe(revokedAtPolar + 1);
        expect(cluster.instances[index]!.store.revocation.backlog).toBe(1);
        const logs = cluster.instances[index]!.logs.join("\n");
        expect(logs).toContain("revocation is pending");
        expect(logs).toContain(`Redis at 127.0.0.1:${redis.port}`);

        await redis.start(); // empty: it kept nothing
        await eventually(
          () => cluster.instances.every((i) => i.store.available()),
          "every instance back",
        );
        // The instance that took the logout writes it (its backlog, and its mirror on reconnect)
        // and the others learn it from the channel.
        await eventually(
          () => cluster.instances[index]!.store.revocation.backlog === 0,
          "the backlog is written",
        );
        await eventually(
          async () => (await statuses(copy)).every((status) => status === 401),
          "every instance refuses the copy",
        );
      },
    );

    it.each(other)(
      "maxmemory reached during logout (%s): every instance refuses the copy at once, and once the limit is lifted the revocation is in Redis for instances to come",
      async (_name, index, asJson) => {
        const browser = new TestBrowser();
        await signIn(browser, { url: cluster.url });
        const copy = browser.clone();
        const sid = await sessionIdOf(browser);
        expect(await statuses(copy)).toEqual([200, 200, 200]);

        const raw = createClient({ url: redis.url }) as RedisClientType;
        await raw.connect();
        try {
          await raw.configSet("maxmemory", "1");
          const logout = await logoutAt(
            index,
            browser,
            asJson ? JSON_ACCEPT : { "sec-fetch-site": "same-origin" },
          );
          await expectPending(logout, asJson);
          await eventually(
            async () => (await statuses(copy)).every((status) => status === 401),
            "every instance refuses the copy",
          );
          expect(await raw.zScore("logout:revoked", sid)).toBeNull();
          expect(cluster.instances.map((i) => i.store.revocation.backlog)).toEqual([1, 1, 1]);

          await raw.configSet("maxmemory", "0");
          await eventually(
            async () => (await raw.zScore("logout:revoked", sid)) !== null,
            "written",
          );
          await eventually(
            () => cluster.instances.every((i) => i.store.revocation.backlog === 0),
            "every backlog empty",
          );
          expect(await statuses(copy)).toEqual([401, 401, 401]);
          const later = createRedisStore({
            url: redis.url,
            prefix: "logout:",
            logger: { info() {}, warn() {}, error() {} },
          });
          try {
            await later.ready;
            expect(later.revocation.isRevoked(sid)).toBe(true);
          } finally {
            await later.close();
          }
        } finally {
          await raw.configSet("maxmemory", "0");
          await raw.close();
        }
      },
    );

    it("logout with Redis fine answers as before, saying the revocation is done", async () => {
      const browser = new TestBrowser();
      await signIn(browser, { url: cluster.url });
      const copy = browser.clone();
      const logout = await logoutAt(2, browser, JSON_ACCEPT);
      expect(logout.status).toBe(204);
      expect(logout.headers.get("polar-revocation")).toBe("revoked");
      expect(await statuses(copy)).toEqual([401, 401, 401]);
    });
  },
);
