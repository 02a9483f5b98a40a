import { setImmediate as tick } from "node:timers/promises";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unsealWith } from "../security/support/seals.js";
import { type Cluster, startCluster } from "../support/cluster.js";
import { eventually } from "../support/eventually.js";
import { signIn, TEST_SESSION_SECRET, TestBrowser } from "../support/kit.js";
import { redisServerAvailable, startRedisServer, type TestRedis } from "../support/redis-server.js";

const JSON_ACCEPT = { accept: "application/json" };

/** GET `path` on one instance directly, with the cookies `browser` holds for the proxy. */
function direct(cluster: Cluster, index: number, browser: TestBrowser, path: string) {
  return fetch(new URL(path, cluster.instances[index]!.url), {
    headers: { ...JSON_ACCEPT, cookie: browser.cookieHeader(new URL(cluster.url)) },
    redirect: "manual",
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

describe.runIf(redisServerAvailable())(
  "three instances (Express, Koa, Express) behind a round-robin proxy, one Redis",
  () => {
    let emulator: Emulator;
    let redis: TestRedis;
    let cluster: Cluster;
    const everyInstance = [0, 1, 2];

    beforeAll(async () => {
      emulator = await startEmulator({ rateLimits: false });
      redis = await startRedisServer();
      cluster = await startCluster({
        emulator,
        redisUrl: redis.url,
        frameworks: ["express", "koa", "express"],
      });
    });
    afterAll(async () => {
      await cluster?.close();
      await redis?.close();
      await emulator?.close();
    });

    it("signed in on one instance, signed in on all (the sign-in itself spans two)", async () => {
      const browser = new TestBrowser();
      const { login, callback } = await signIn(browser, { url: cluster.url });
      expect(callback.status).toBe(302);
      // Login and callback were answered by different instances.
      expect(login.headers.get("x-instance")).not.toBe(callback.headers.get("x-instance"));
      for (const i of everyInstance) {
        const answer = await direct(cluster, i, browser, "/dashboard");
        expect(answer.status, `instance ${i}`).toBe(200);
        expect(((await answer.json()) as { user: { sub: string } }).user.sub).toBeTruthy();
      }
    });

    it("logout on one instance: every copy of the cookie is refused by every instance, at once", async () => {
      const browser = new TestBrowser();
      await signIn(browser, { url: cluster.url });
      const copies = [browser.clone(), browser.clone()];
      for (const i of everyInstance) {
        // Warm every instance's session cache with the cookie first.
        expect((await direct(cluster, i, copies[0]!, "/dashboard")).status).toBe(200);
      }
      const logout = await fetch(new URL("/auth/logout", cluster.instances[1]!.url), {
        method: "POST",
        headers: { ...JSON_ACCEPT, cookie: browser.cookieHeader(new URL(cluster.url)) },
      });
      expect(logout.status).toBe(204);
      // The first check after logout's answer, on every instance, with every copy.
      const answers = await Promise.all(
        copies.flatMap((copy) => everyInstance.map((i) => direct(cluster, i, copy, "/dashboard"))),
      );
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401]);
    });

    it("revocation propagation to every instance's mirror, measured over 200 revocations (reported, not asserted)", async () => {
      const stores = cluster.instances.map((i) => i.store);
      const delays: number[] = [];
      for (let n = 0; n < 200; n++) {
        const sid = `propagation-${n}-${Math.random().toString(36).slice(2)}`;
        const origin = stores[n % 3]!;
        const started = performance.now();
        const revoking = origin.revocation.revoke(sid, Math.floor(Date.now() / 1000) + 600);
        const seen = stores.map(() => 0);
        while (seen.some((at) => at === 0)) {
          stores.forEach((store, i) => {
            if (seen[i] === 0 && store.revocation.isRevoked(sid) === true)
              seen[i] = performance.now() - started;
          });
          if (seen.some((at) => at === 0)) await tick();
        }
        await revoking;
        delays.push(Math.max(...seen));
      }
      delays.sort((a, b) => a - b);
      const figure = `revocation propagated to all 3 instances: p50 ${percentile(delays, 50).toFixed(2)} ms, p99 ${percentile(delays, 99).toFixed(2)} ms, max ${delays.at(-1)!.toFixed(2)} ms (n=200)`;
      console.info(`[multi-instance] ${figure}`);
      expect(delays).toHaveLength(200);
    });

    it("60 concurrent requests needing a refresh, spread over the three: one refresh at Polar, one new token for all, one valid cookie left", async () => {
      const browser = new TestBrowser();
      await signIn(browser, { url: cluster.url });
      const me = await browser.get(`${cluster.url}/auth/me`, JSON_ACCEPT);
      const { accessTokenExpiresAt } = (await me.json()) as { accessTokenExpiresAt: number };
      const oldCookie = browser.cookieHeader(new URL(cluster.url));
      cluster.advanceClock((accessTokenExpiresAt + 120) * 1000 - Date.now());
      emulator.resetStats();

      const answers = await Promise.all(
        Array.from({ length: 60 }, () => browser.get(`${cluster.url}/api/token`, JSON_ACCEPT)),
      );
      const served = new Set(answers.map((a) => a.headers.get("x-instance")));
      expect(served).toEqual(new Set(["0", "1", "2"]));
      expect(answers.map((a) => a.status)).toEqual(Array(60).fill(200));
      const tokens = new Set(
        await Promise.all(
          answers.map(async (a) => ((await a.json()) as { accessToken: string }).accessToken),
        ),
      );
      expect(tokens.size).toBe(1);
      expect(emulator.stats().tokenGrants.refresh_token).toBe(1);

      // The browser holds one session cookie, the refreshed one, valid on every instance, and
      // it needs no further refresh.
      const sessionCookies = browser.cookies.filter(
        (c) => c.name === cluster.config.session!.cookieName,
      );
      expect(sessionCookies).toHaveLength(1);
      expect(browser.cookieHeader(new URL(cluster.url))).not.toBe(oldCookie);
      const [newToken] = tokens;
      for (const i of everyInstance) {
        const answer = await direct(cluster, i, browser, "/api/token");
        expect(answer.status).toBe(200);
        expect(((await answer.json()) as { accessToken: string }).accessToken).toBe(newToken);
      }
      expect(emulator.stats().tokenGrants.refresh_token).toBe(1);

      // Nothing in Redis lets a reader sign in: no token, no session seal.
      const raw = createClient({ url: redis.url });
      await raw.connect();
      const dump: string[] = [];
      for (const key of await raw.keys("*")) {
        dump.push(key);
        const type = await raw.type(key);
        if (type === "string") dump.push((await raw.get(key)) ?? "");
        if (type === "zset") dump.push(...(await raw.zRange(key, 0, -1)));
      }
      await raw.close();
      const text = dump.join("\n");
      expect(dump.some((k) => k.includes("refresh:result:"))).toBe(true);
      expect(text).not.toContain(newToken!);
      const seal = browser.cookie(cluster.config.session!.cookieName)!.value;
      expect(text).not.toContain(seal);
      expect(text).not.toContain(decodeURIComponent(oldCookie.split("=").slice(1).join("=")));
    });

    it("a refresh token Polar refuses: one attempt at Polar for 30 requests over the three, each answered 401", async () => {
      const browser = new TestBrowser();
      await signIn(browser, { url: cluster.url });
      const me = await browser.get(`${cluster.url}/auth/me`, JSON_ACCEPT);
      const { accessTokenExpiresAt } = (await me.json()) as { accessTokenExpiresAt: number };
      const seal = browser.cookie(cluster.config.session!.cookieName)!.value;
      const { refreshToken } = (await unsealWith(
        decodeURIComponent(seal),
        TEST_SESSION_SECRET,
      )) as {
        refreshToken: string;
      };
      const revoked = await fetch(`${emulator.url}/v1/oauth2/revoke`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          token: refreshToken,
          token_type_hint: "refresh_token",
          client_id: cluster.config.clientId,
          client_secret: cluster.config.clientSecret!.reveal(),
        }),
      });
      expect(revoked.status).toBe(200);
      cluster.advanceClock((accessTokenExpiresAt + 120) * 1000 - Date.now());
      emulator.resetStats();
      const answers = await Promise.all(
        Array.from({ length: 30 }, () =>
          browser.clone().get(`${cluster.url}/api/token`, JSON_ACCEPT),
        ),
      );
      expect(new Set(answers.map((a) => a.headers.get("x-instance")))).toEqual(
        new Set(["0", "1", "2"]),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(30).fill(401));
      expect(emulator.stats().tokenGrants.refresh_token).toBe(1);
    });

    it("a callback replayed on another instance is refused there, before any call to Polar", async () => {
      const browser = new TestBrowser();
      const login = await browser.get(`${cluster.url}/auth/login`);
      const { completeAuthorization } = await import("@polar-oauth/emulator");
      const { redirectTo } = await completeAuthorization(login.headers.get("location")!, {});
      const attacker = browser.clone(); // keeps the transaction cookie
      const first = await fetch(
        new URL(redirectTo.pathname + redirectTo.search, cluster.instances[0]!.url),
        {
          headers: { cookie: browser.cookieHeader(redirectTo) },
          redirect: "manual",
        },
      );
      expect(first.status).toBe(302);
      const tokenRequests = emulator.stats().requests.token;
      const replay = await fetch(
        new URL(redirectTo.pathname + redirectTo.search, cluster.instances[1]!.url),
        {
          headers: { cookie: attacker.cookieHeader(redirectTo) },
          redirect: "manual",
        },
      );
      expect(replay.status).toBe(400);
      expect(await replay.text()).toContain("replayed_callback");
      expect(emulator.stats().requests.token).toBe(tokenRequests);
    });

    it("Redis stopped mid-run: signed-in requests fail closed, sign-ins answer 503; restarted: everything recovers without restarting the apps", async () => {
      const browser = new TestBrowser();
      await signIn(browser, { url: cluster.url });
      const loggedOut = new TestBrowser();
      await signIn(loggedOut, { url: cluster.url });
      const stolen = loggedOut.clone();
      await loggedOut.post(`${cluster.url}/auth/logout`, JSON_ACCEPT);
      // A sign-in started before the outage, to come back during it.
      const pending = new TestBrowser();
      const started = await pending.get(`${cluster.url}/auth/login`);
      const { completeAuthorization } = await import("@polar-oauth/emulator");
      const { redirectTo } = await completeAuthorization(started.headers.get("location")!, {});

      await redis.stop();
      await eventually(
        () => cluster.instances.every((i) => !i.store.available()),
        "every instance sees Redis gone",
      );
      for (const i of everyInstance) {
        expect((await direct(cluster, i, browser, "/dashboard")).status, `instance ${i}`).toBe(401);
        const login = await fetch(new URL("/auth/login", cluster.instances[i]!.url), {
          redirect: "manual",
        });
        expect(login.status).toBe(503);
        expect(login.headers.get("retry-after")).toBe("5");
        const page = await login.text();
        expect(page).toContain("store_unavailable");
        expect(page).not.toMatch(/\bat .*\.(ts|js):\d+/);
      }
      const callback = await pending.get(redirectTo);
      expect(callback.status).toBe(503);
      expect(await callback.text()).toContain("store_unavailable");

      await redis.start(); // empty: it kept nothing
      await eventually(
        () => cluster.instances.every((i) => i.store.available()),
        "every instance back",
      );
      for (const i of everyInstance) {
        expect((await direct(cluster, i, browser, "/dashboard")).status, `instance ${i}`).toBe(200);
        // The instances wrote their mirrors back: the logged-out session stays dead.
        expect((await direct(cluster, i, stolen, "/dashboard")).status, `instance ${i}`).toBe(401);
      }
      const again = new TestBrowser();
      const { callback: done } = await signIn(again, { url: cluster.url });
      expect(done.status).toBe(302);
      const loggedErrors = cluster.instances.flatMap((i) => i.logs).join("\n");
      expect(loggedErrors).toContain("revocation store is unavailable");
      // Where: the store's lines name host and port (issue 20), and nothing of the URL beyond.
      expect(loggedErrors).toContain(`Redis at 127.0.0.1:${redis.port}`);
      expect(loggedErrors).not.toContain("redis://");
    });
  },
);
