/**
 * The examples with `REDIS_URL`: they share sign-in state through Redis (a logout lands in
 * Redis's revocation set), and a malformed `REDIS_URL` stops them with the variable named.
 */
import { completeAuthorization, type Emulator, startEmulator } from "@polar-oauth/emulator";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Framework, freePorts, Spawned } from "../e2e/support.js";
import { redisServerAvailable, startRedisServer, type TestRedis } from "../support/redis-server.js";

const SESSION_SECRET = "examples-redis-secret-0123456789-abcdefgh";

describe.runIf(redisServerAvailable())("the examples with REDIS_URL", () => {
  let emulator: Emulator;
  let redis: TestRedis;
  beforeAll(async () => {
    emulator = await startEmulator({ rateLimits: false });
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.close();
    await emulator?.close();
  });

  async function start(framework: Framework, redisUrl: string) {
    const [port] = await freePorts(1);
    const base = `http://localhost:${port}`;
    const client = await emulator.registerClient({
      client_name: `Redis example (${framework})`,
      redirect_uris: [`${base}/auth/callback`],
    });
    const app = new Spawned(["--import", "tsx", `examples/${framework}/src/server.ts`], {
      ENVIRONMENT: "development",
      POLAR_SERVER: emulator.url,
      POLAR_CLIENT_ID_DEV: client.client_id,
      POLAR_CLIENT_SECRET_DEV: client.client_secret ?? undefined,
      POLAR_REDIRECT_URI_DEV: `${base}/auth/callback`,
      POLAR_REGISTRATION_TOKEN_DEV: client.registration_access_token,
      SESSION_SECRET,
      PORT: String(port),
      REDIS_URL: redisUrl,
    });
    return { app, base };
  }

  it.each<Framework>(["express", "koa"])("%s: a logout is revoked in Redis", async (framework) => {
    const prefixKey = "polar-oauth:revoked";
    const raw = createClient({ url: redis.url });
    await raw.connect();
    const before = await raw.zCard(prefixKey);
    const { app, base } = await start(framework, redis.url);
    try {
      await app.waitForOutput(/listening on http:\/\/localhost:\d+/, 30_000);
      const login = await fetch(`${base}/auth/login`, { redirect: "manual" });
      const transaction = login.headers.getSetCookie()[0]!.split(";")[0]!;
      const { redirectTo } = await completeAuthorization(login.headers.get("location")!, {});
      const callback = await fetch(redirectTo, {
        redirect: "manual",
        headers: { cookie: transaction },
      });
      const cookie = callback.headers
        .getSetCookie()
        .find((c) => c.startsWith("polar_session="))!
        .split(";")[0]!;
      expect((await fetch(`${base}/dashboard`, { headers: { cookie } })).status).toBe(200);
      const logout = await fetch(`${base}/auth/logout`, {
        method: "POST",
        headers: { cookie, accept: "application/json", origin: base },
      });
      expect(logout.status).toBe(204);
      expect(await raw.zCard(prefixKey)).toBe(before + 1);
      const after = await fetch(`${base}/dashboard`, { headers: { cookie }, redirect: "manual" });
      expect(after.status).toBe(302);
    } finally {
      await raw.close();
      expect(await app.stop()).toBe(true);
    }
  });

  it("a malformed REDIS_URL stops the example, naming the variable, never its value", async () => {
    const { app } = await start("express", "http://user:not-a-redis-password@host");
    await app.exited;
    expect(app.exitCode).not.toBe(0);
    expect(app.output).toContain("Not starting:");
    expect(app.output).toContain("REDIS_URL");
    expect(app.output).not.toContain("not-a-redis-password");
  });
});
