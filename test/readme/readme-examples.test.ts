import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { completeAuthorization, type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisServerAvailable, startRedisServer, type TestRedis } from "../support/redis-server.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ rateLimits: false });
});
afterAll(() => emulator.close());

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Each package README's example: the file the README shows verbatim, and what its `/` says. */
const EXAMPLES = [
  { pkg: "core", load: () => import("./core-example.js"), signedOut: "Signed out" },
  { pkg: "express", load: () => import("./express-example.js"), signedOut: "Sign in with Polar" },
  { pkg: "koa", load: () => import("./koa-example.js"), signedOut: "Sign in with Polar" },
  ...(redisServerAvailable()
    ? [{ pkg: "redis", load: () => import("./redis-example.js"), signedOut: "Sign in with Polar" }]
    : []),
];

describe.each(EXAMPLES)("the $pkg README", ({ pkg, load, signedOut }) => {
  it("shows exactly the example this test runs, and the example signs a user in", async () => {
    const readme = readFileSync(
      new URL(`../../packages/${pkg}/README.md`, import.meta.url),
      "utf8",
    );
    const example = readFileSync(new URL(`./${pkg}-example.ts`, import.meta.url), "utf8").trim();
    expect(readme).toContain(example);

    // The environment contract, as a deployment would set it.
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const redirectUri = `${base}/auth/callback`;
    const client = await emulator.registerClient({
      client_name: pkg,
      redirect_uris: [redirectUri],
    });
    Object.assign(process.env, {
      PORT: String(port),
      POLAR_SERVER: emulator.url,
      POLAR_CLIENT_ID_DEV: client.client_id,
      POLAR_CLIENT_SECRET_DEV: client.client_secret,
      POLAR_REDIRECT_URI_DEV: redirectUri,
      POLAR_REGISTRATION_TOKEN_DEV: client.registration_access_token,
      POLAR_SCOPES: "openid email orders:read",
      SESSION_SECRET: "readme-session-secret-0123456789abcdef",
    });
    // The Redis example gets a redis-server of its own.
    const redis: TestRedis | undefined = pkg === "redis" ? await startRedisServer() : undefined;
    if (redis) process.env.REDIS_URL = redis.url;
    const { server, store } = (await load()) as {
      server: Server;
      store?: { close(): Promise<void> };
    };
    try {
      expect(await (await fetch(base)).text()).toContain(signedOut);
      const login = await fetch(`${base}/auth/login`, { redirect: "manual" });
      const transaction = login.headers.getSetCookie()[0]!.split(";")[0]!;
      const { redirectTo } = await completeAuthorization(login.headers.get("location")!, {
        user: "alice@example.com",
      });
      const callback = await fetch(redirectTo, {
        redirect: "manual",
        headers: { cookie: transaction },
      });
      expect(callback.headers.get("location")).toBe(`${base}/`);
      const session = callback.headers.getSetCookie().find((c) => c.startsWith("polar_session="))!;
      const cookie = session.split(";")[0]!;
      expect(await (await fetch(base, { headers: { cookie } })).text()).toBe(
        "Hello alice@example.com",
      );
      if (pkg !== "core") {
        const orders = await fetch(`${base}/orders`, { headers: { cookie } });
        // Alice's six orders in the emulator's fixtures, read through polar.api.
        expect(await orders.json()).toMatchObject({
          user: { email: "alice@example.com" },
          orders: 6,
        });
      }
    } finally {
      server.closeAllConnections();
      server.close();
      await store?.close();
      await redis?.close();
      if (redis) delete process.env.REDIS_URL;
    }
  });
});
