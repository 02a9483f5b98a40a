/**
 * The e2e suite fails when the flow breaks: an example whose redirect URI is not registered at
 * Polar exactly refuses to start, and says why. Each example runs as `node --import tsx
 * examples/<framework>/src/server.ts` with only the environment contract, against an emulator
 * in this process.
 */
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Framework, freePorts, Spawned } from "./support.js";

const SESSION_SECRET = "e2e-session-secret-0123456789-abcdefghijkl";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ rateLimits: false });
});
afterAll(async () => {
  await emulator?.close();
});

/** Registers a client for `http://localhost:<port>/auth/callback` and starts the example with `redirectUri`. */
async function startExample(
  framework: Framework,
  redirectUri: (registered: string) => string,
  options: { registrationToken?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<{ app: Spawned; registered: string; port: number }> {
  const [port] = await freePorts(1);
  const registered = `http://localhost:${port}/auth/callback`;
  const client = await emulator.registerClient({
    client_name: `Startup check (${framework})`,
    redirect_uris: [registered],
  });
  const app = new Spawned(["--import", "tsx", `examples/${framework}/src/server.ts`], {
    ENVIRONMENT: "development",
    POLAR_SERVER: emulator.url,
    POLAR_CLIENT_ID_DEV: client.client_id,
    POLAR_CLIENT_SECRET_DEV: client.client_secret ?? undefined,
    POLAR_REDIRECT_URI_DEV: redirectUri(registered),
    POLAR_REGISTRATION_TOKEN_DEV:
      options.registrationToken === false ? undefined : client.registration_access_token,
    SESSION_SECRET,
    PORT: String(port),
    ...options.env,
  });
  return { app, registered, port: port! };
}

describe.each<Framework>(["express", "koa"])("the %s example's startup check", (framework) => {
  it("refuses to start when POLAR_REDIRECT_URI_DEV has a trailing slash Polar did not register", async () => {
    const { app, registered } = await startExample(framework, (uri) => `${uri}/`);
    await app.exited;
    expect(app.exitCode, app.output).toBe(1);
    expect(app.output).toContain("Not starting:");
    expect(app.output).toContain(`${registered}/`);
    expect(app.output).toContain(registered);
    expect(app.output).toMatch(/trailing slash/i);
    expect(app.output).not.toContain("listening on");
    // Nothing it started (tsx's esbuild service) outlives it.
    expect(await app.stop()).toBe(true);
  });

  it("without a registration token, the probe of Polar's JSON authorize API refuses it too", async () => {
    emulator.resetStats();
    const { app, registered } = await startExample(framework, (uri) => `${uri}/`, {
      registrationToken: false,
    });
    await app.exited;
    expect(app.exitCode, app.output).not.toBe(0);
    expect(app.output).toContain("Not starting:");
    expect(app.output).toContain(`Redirect URI ${registered}/ is not supported by client`);
    expect(app.output).not.toContain("listening on");
    // The page (which answers a wrong redirect URI with a 200 error page) was never asked.
    expect(emulator.stats().requests).toMatchObject({ authorize_api: 1, authorize: 0 });
    expect(await app.stop()).toBe(true);
  });

  it("refuses to start with NODE_ENV=production and no ENVIRONMENT (an http loopback POLAR_SERVER)", async () => {
    const { app } = await startExample(framework, (uri) => uri, {
      env: { ENVIRONMENT: undefined, NODE_ENV: "production" },
    });
    await app.exited;
    expect(app.exitCode, app.output).not.toBe(0);
    expect(app.output).toMatch(/ENVIRONMENT: is not set while NODE_ENV=production/);
    expect(app.output).toMatch(/Set ENVIRONMENT=production \(or staging\)/);
    expect(app.output).not.toContain("listening on");
    expect(await app.stop()).toBe(true);
  });

  it("starts with the redirect URI exactly as registered (the control)", async () => {
    const { app, port } = await startExample(framework, (uri) => uri);
    try {
      await app.waitForOutput(/listening on http:\/\/localhost:\d+/, 20_000);
      const home = await fetch(`http://localhost:${port}/`);
      expect(await home.text()).toContain("Sign in with Polar");
    } finally {
      expect(await app.stop()).toBe(true);
    }
  });
});
