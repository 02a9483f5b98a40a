import {
  createPolarAuth,
  definePolarConfig,
  RegistrationMismatchError,
  verifyRegistration,
} from "@polar-oauth/core";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_SESSION_SECRET } from "../support/kit.js";

/**
 * A client registered narrower than the app is configured: scope "openid email" (the app asks
 * for products:read too) and public (`none`, the app says client_secret_post). Polar's
 * authorize API accepts the client either way; only the registration read shows both.
 */
const REDIRECT_URI = "https://app.example.com/callback";
let emulator: Emulator;
let narrow: Awaited<ReturnType<Emulator["registerClient"]>>;
let publicClient: Awaited<ReturnType<Emulator["registerClient"]>>;

beforeAll(async () => {
  emulator = await startEmulator({ rateLimits: false });
  narrow = await emulator.registerClient({
    client_name: "Narrow",
    redirect_uris: [REDIRECT_URI],
    scope: "openid email",
  });
  publicClient = await emulator.registerClient({
    client_name: "Public",
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: "none",
  });
});
afterAll(() => emulator.close());

const configFor = (
  client: typeof narrow,
  withToken: boolean,
  extra: Record<string, unknown> = {},
) =>
  definePolarConfig({
    server: emulator.url,
    clientId: client.client_id,
    clientSecret: "polar_cs_configured_but_not_registered",
    authMethod: "client_secret_post",
    redirectUri: REDIRECT_URI,
    scopes: ["openid", "email", "products:read"],
    ...(withToken ? { registrationAccessToken: client.registration_access_token } : {}),
    session: { secrets: TEST_SESSION_SECRET },
    ...extra,
  });

describe("with a registration token, the startup check compares the registered scope and auth method", () => {
  it("names the scope the client lacks and both fixes", async () => {
    const error = await verifyRegistration(configFor(narrow, true)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistrationMismatchError);
    expect((error as Error).message).toMatch(/not registered for scope products:read/);
    expect((error as Error).message).toMatch(/remove products:read from POLAR_SCOPES/);
  });

  it("names the registered auth method and both fixes", async () => {
    const error = await verifyRegistration(configFor(publicClient, true)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistrationMismatchError);
    expect((error as Error).message).toContain("token_endpoint_auth_method=none");
    expect((error as Error).message).toContain(
      "POLAR_AUTH_METHOD=none and remove the client secret",
    );
    expect((error as Error).message).toContain(
      "polar-oauth clients update --env development --auth-method client_secret_post",
    );
  });
});

describe("without one, it passes but says what it could not see", () => {
  it.each([
    ["a client lacking a scope", () => narrow],
    ["a client registered with another auth method", () => publicClient],
  ])(
    "%s: method probe, and unverified names the blind spots and the variable that lifts them",
    async (_what, client) => {
      const check = await verifyRegistration(configFor(client(), false));
      expect(check.method).toBe("probe");
      expect(check.unverified).toContain("without POLAR_REGISTRATION_TOKEN_DEV");
      expect(check.unverified).toContain("scope");
      expect(check.unverified).toContain("token_endpoint_auth_method");
      expect(check.unverified).not.toMatch(/polar_c[st]_/);
    },
  );

  it("createPolarAuth logs it once at startup (info), never as a failure", async () => {
    const lines: string[] = [];
    const logger = {
      info: (line: string) => lines.push(`info ${line}`),
      warn: (line: string) => lines.push(`warn ${line}`),
      error: (line: string) => lines.push(`error ${line}`),
    };
    const auth = createPolarAuth(configFor(narrow, false), { logger });
    expect(await auth.ready).toMatchObject({ method: "probe" });
    expect(lines.filter((line) => line.includes("startup check"))).toEqual([
      expect.stringMatching(/^info startup check: without POLAR_REGISTRATION_TOKEN_DEV/),
    ]);
  });
});
