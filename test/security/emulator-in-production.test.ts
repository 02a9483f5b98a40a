import {
  createPolarAuth,
  definePolarConfig,
  loadPolarConfig,
  PolarConfigError,
  type PolarConfigInput,
} from "@polar-oauth/core";
import { clearDiscoveryCache, EMULATOR_METADATA_FIELD } from "@polar-oauth/core/setup";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Production is production (issue 21, item 4): `NODE_ENV=production` without `ENVIRONMENT` is
 * refused rather than run as development, and the emulator, which names itself in discovery,
 * is refused in production however it is reached, unless the test-only
 * `POLAR_UNSAFE_EMULATOR_IN_PRODUCTION` is set.
 */
const SESSION_SECRET = "emulator-in-production-secret-0123456789";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ rateLimits: false });
});
afterAll(() => emulator.close());

function configError(load: () => unknown): PolarConfigError {
  let error: unknown;
  try {
    load();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(PolarConfigError);
  return error as PolarConfigError;
}

describe("NODE_ENV=production without ENVIRONMENT", () => {
  const env = (extra: Record<string, string>) => ({
    POLAR_SERVER: "http://127.0.0.1:4000",
    POLAR_CLIENT_ID_DEV: "polar_ci_test",
    POLAR_CLIENT_SECRET_DEV: "polar_cs_test",
    POLAR_REDIRECT_URI_DEV: "http://192.168.1.20:3000/auth/callback",
    SESSION_SECRET,
    ...extra,
  });

  it("does not start with an http loopback POLAR_SERVER: ENVIRONMENT is named with the fix", () => {
    const error = configError(() => loadPolarConfig(env({ NODE_ENV: "production" })));
    const issue = error.issues.find((i) => i.variable === "ENVIRONMENT");
    expect(issue?.problem).toMatch(/not set while NODE_ENV=production/);
    expect(issue?.fix).toMatch(/Set ENVIRONMENT=production \(or staging\)/);
    expect(error.message).toContain("ENVIRONMENT");
  });

  it("is refused with any server: it is never guessed", () => {
    const error = configError(() =>
      loadPolarConfig({ ...env({ NODE_ENV: " production " }), POLAR_SERVER: "production" }),
    );
    expect(error.issues.map((i) => i.variable)).toContain("ENVIRONMENT");
  });

  it("an explicit ENVIRONMENT decides (development for a local production build) _guard_", () => {
    const config = loadPolarConfig(env({ NODE_ENV: "production", ENVIRONMENT: "development" }));
    expect(config.environment).toBe("development");
    expect(loadPolarConfig(env({ NODE_ENV: "test" })).environment).toBe("development");
  });
});

describe("the emulator in production", () => {
  const REDIRECT_URI = "https://shop.example.com/auth/callback";
  let base: PolarConfigInput;
  beforeAll(async () => {
    clearDiscoveryCache();
    const client = await emulator.registerClient({
      client_name: "Production against the emulator",
      redirect_uris: [REDIRECT_URI],
    });
    base = {
      environment: "production",
      server: emulator.url,
      // The transport opt-out alone used to let the emulator in.
      unsafeHttpLoopbackInProduction: true,
      clientId: client.client_id,
      clientSecret: client.client_secret ?? undefined,
      redirectUri: REDIRECT_URI,
      session: { secrets: SESSION_SECRET },
    };
  });

  it("names itself in its discovery document, with the field core looks for", async () => {
    const discovery = (await (
      await fetch(`${emulator.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(EMULATOR_METADATA_FIELD).toBe("polar_oauth_emulator");
    expect(discovery[EMULATOR_METADATA_FIELD]).toBe(true);
  });

  it("the startup check refuses it, naming POLAR_SERVER, the emulator and the test-only variable", async () => {
    const auth = createPolarAuth(definePolarConfig({ ...base, startupCheck: "fail" }));
    const error = await auth.ready.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PolarConfigError);
    const issue = (error as PolarConfigError).issues[0];
    expect(issue?.variable).toBe("POLAR_SERVER");
    expect(issue?.problem).toMatch(/is the polar-oauth emulator .*not Polar/);
    expect(issue?.fix).toMatch(/POLAR_UNSAFE_EMULATOR_IN_PRODUCTION=1/);
  });

  it("with the startup check off, a sign-in is refused before it reaches the emulator's login", async () => {
    const logged: string[] = [];
    const log = (line: string) => logged.push(line);
    const auth = createPolarAuth(definePolarConfig({ ...base, startupCheck: "off" }), {
      logger: { info: log, warn: log, error: log },
    });
    emulator.resetStats();
    const answer = await auth.handle({ method: "GET", url: "/auth/login", headers: {} });
    expect(answer?.status).toBe(400);
    expect(answer?.headers.location).toBeUndefined();
    expect(logged.join("\n")).toMatch(/POLAR_CONFIG_INVALID/);
    expect(emulator.stats().requests).toMatchObject({ authorize: 0 });
  });

  it("POLAR_UNSAFE_EMULATOR_IN_PRODUCTION=1 admits it (tests only) _guard_", async () => {
    const config = loadPolarConfig({
      ENVIRONMENT: "production",
      POLAR_SERVER: emulator.url,
      POLAR_UNSAFE_HTTP_LOOPBACK_IN_PRODUCTION: "1",
      POLAR_UNSAFE_EMULATOR_IN_PRODUCTION: "1",
      POLAR_CLIENT_ID_PROD: base.clientId,
      POLAR_CLIENT_SECRET_PROD: base.clientSecret as string,
      POLAR_REDIRECT_URI_PROD: REDIRECT_URI,
      SESSION_SECRET,
    });
    const auth = createPolarAuth(config);
    await expect(auth.ready).resolves.toMatchObject({ redirectUri: REDIRECT_URI });
    const answer = await auth.handle({ method: "GET", url: "/auth/login", headers: {} });
    expect(answer?.status).toBe(302);
    expect(answer?.headers.location).toContain(`${emulator.url}/`);
  });
});
