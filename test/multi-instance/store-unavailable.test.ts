/**
 * `getAccessToken()` while Redis is down, in a route that lets the error through to the
 * framework's own error handler: Express's and Koa's defaults answer 503 with Retry-After (the
 * error carries `status` and `headers`), not a 500.
 */
import { once } from "node:events";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { definePolarConfig, type PolarConfig, type PolarStateStore } from "@polar-oauth/core";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import * as polarExpress from "@polar-oauth/express";
import * as polarKoa from "@polar-oauth/koa";
import { createRedisStore, type RedisStore } from "@polar-oauth/redis";
import express from "express";
import Koa from "koa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, TEST_SESSION_SECRET, TestBrowser } from "../support/kit.js";
import { redisServerAvailable, startRedisServer, type TestRedis } from "../support/redis-server.js";

function expressApp(config: PolarConfig, store: PolarStateStore, now: () => number) {
  const app = express();
  app.set("env", "production");
  app.use(polarExpress.polarAuth(config, { store, now, logger: quiet }));
  app.get("/token", async (req, res) => {
    res.json({ token: await req.polar.getAccessToken() });
  });
  return app as unknown as RequestListener;
}

function koaApp(config: PolarConfig, store: PolarStateStore, now: () => number) {
  const app = new Koa();
  app.silent = true;
  app.use(polarKoa.polarAuth(config, { store, now, logger: quiet }));
  app.use(async (ctx) => {
    if (ctx.path === "/token") ctx.body = { token: await ctx.state.polar.getAccessToken() };
  });
  return app.callback() as RequestListener;
}

const quiet = { info() {}, warn() {}, error() {} };

describe.runIf(redisServerAvailable())(
  "a refresh while Redis is down, through the frameworks' default error handlers",
  () => {
    let emulator: Emulator;
    let redis: TestRedis;
    const closers: (() => Promise<unknown>)[] = [];
    beforeAll(async () => {
      emulator = await startEmulator({ rateLimits: false });
      redis = await startRedisServer();
    });
    afterAll(async () => {
      for (const close of closers) await close();
      await redis?.close();
      await emulator?.close();
    });

    it.each([
      ["express", expressApp],
      ["koa", koaApp],
    ] as const)(
      "%s answers 503 with Retry-After, then refreshes once Redis is back",
      async (_name, build) => {
        const server: Server = createServer();
        server.listen(0, "127.0.0.1");
        await once(server, "listening");
        const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const client = await emulator.registerClient({
          client_name: `Redis down (${_name})`,
          redirect_uris: [`${origin}/auth/callback`],
          token_endpoint_auth_method: "client_secret_post",
        });
        const config = definePolarConfig({
          environment: "development",
          server: emulator.url,
          clientId: client.client_id,
          clientSecret: client.client_secret ?? undefined,
          redirectUri: `${origin}/auth/callback`,
          session: {
            secrets: TEST_SESSION_SECRET,
            idleTimeoutSeconds: 60 * 86_400,
            absoluteTimeoutSeconds: 90 * 86_400,
          },
          startupCheck: "off",
        });
        const redisStore: RedisStore = createRedisStore({
          url: redis.url,
          prefix: `down-${_name}:`,
          logger: quiet,
        });
        await redisStore.ready;
        closers.push(
          () => redisStore.close(),
          () => new Promise((r) => server.close(r)),
        );
        let offset = 0;
        // Refresh coordination and replay on Redis, revocation left out: a signed-in request
        // then reaches getAccessToken() during the outage.
        const store = { refresh: redisStore.refresh, replay: redisStore.replay };
        server.on(
          "request",
          build(config, store, () => Date.now() + offset),
        );

        const browser = new TestBrowser();
        await signIn(browser, { url: origin });
        const me = await browser.get(`${origin}/auth/me`, { accept: "application/json" });
        const { accessTokenExpiresAt } = (await me.json()) as { accessTokenExpiresAt: number };
        offset = (accessTokenExpiresAt + 120) * 1000 - Date.now();

        await redis.stop();
        await new Promise<void>((resolve) => {
          const wait = () => (redisStore.available() ? setTimeout(wait, 5) : resolve());
          wait();
        });
        const refreshes = emulator.stats().tokenGrants.refresh_token;
        const down = await browser.get(`${origin}/token`, { accept: "application/json" });
        expect(down.status).toBe(503);
        expect(down.headers.get("retry-after")).toBe("5");
        expect(await down.text()).not.toMatch(/\bat .*\.(ts|js):\d+/);
        expect(emulator.stats().tokenGrants.refresh_token).toBe(refreshes);

        await redis.start();
        await new Promise<void>((resolve) => {
          const wait = () => (redisStore.available() ? resolve() : setTimeout(wait, 5));
          wait();
        });
        const up = await browser.get(`${origin}/token`, { accept: "application/json" });
        expect(up.status).toBe(200);
        expect(emulator.stats().tokenGrants.refresh_token).toBe(refreshes + 1);
      },
    );
  },
);
