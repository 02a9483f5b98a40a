import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { completeAuthorization, startEmulator } from "@polar-oauth/emulator";
import { afterAll, expect, it } from "vitest";

const emulator = await startEmulator({ rateLimits: false });
afterAll(() => emulator.close());

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

it("the README shows exactly the example this test runs, and it signs a user in", async () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8").trim();
  expect(readme).toContain(example);

  const port = await freePort();
  const redirectUri = `http://127.0.0.1:${port}/auth/callback`;
  const client = await emulator.registerClient({
    client_name: "README",
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
  const { server } = await import("./readme-example.js");
  try {
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(base)).text()).toContain("Sign in with Polar");
    const login = await fetch(`${base}/auth/login?returnTo=/orders`, { redirect: "manual" });
    const transaction = login.headers.getSetCookie()[0]!.split(";")[0]!;
    const { redirectTo } = await completeAuthorization(login.headers.get("location")!, {
      user: "alice@example.com",
    });
    const callback = await fetch(redirectTo, {
      redirect: "manual",
      headers: { cookie: transaction },
    });
    expect(callback.headers.get("location")).toBe(`${base}/orders`);
    const session = callback.headers.getSetCookie().find((c) => c.startsWith("polar_session="))!;
    const orders = await fetch(`${base}/orders`, { headers: { cookie: session.split(";")[0]! } });
    expect(await orders.json()).toMatchObject({ user: { email: "alice@example.com" } });
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
