import {
  definePolarConfig,
  PolarUnreachableError,
  RedirectUriMismatchError,
  RegistrationMismatchError,
  verifyRegistration,
} from "@polar-oauth/core";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_SESSION_SECRET } from "../support/kit.js";

let emulator: Emulator;
let client: Awaited<ReturnType<Emulator["registerClient"]>>;
const REGISTERED = "https://app.example.com/callback";

beforeAll(async () => {
  emulator = await startEmulator({ rateLimits: false });
  client = await emulator.registerClient({
    client_name: "Startup check",
    redirect_uris: [REGISTERED, "http://localhost:3000/auth/callback"],
  });
});
afterAll(() => emulator.close());

const configFor = (redirectUri: string, extra: Record<string, unknown> = {}) =>
  definePolarConfig({
    server: emulator.url,
    clientId: client.client_id,
    clientSecret: client.client_secret!,
    redirectUri,
    registrationAccessToken: client.registration_access_token,
    session: { secrets: TEST_SESSION_SECRET },
    ...extra,
  });

describe("startup check with the registration token", () => {
  it("passes for an exact match with one request", async () => {
    emulator.resetStats();
    const check = await verifyRegistration(configFor(REGISTERED));
    expect(check).toMatchObject({ method: "registration" });
    expect(emulator.stats().requests.registration_read).toBe(1);
  });

  it.each([
    [`${REGISTERED}/`, "yours has a trailing slash"],
    ["http://localhost:3000/auth/callback/", "yours has a trailing slash"],
    ["https://localhost:3000/auth/callback", "scheme: yours is https, registered is http"],
    ["https://app.example.com/Callback", "path letter case"],
  ])("refuses %s and explains: %s", async (redirectUri, explanation) => {
    const error = await verifyRegistration(configFor(redirectUri)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedirectUriMismatchError);
    expect((error as Error).message).toContain(explanation);
    expect((error as Error).message).toContain("POLAR_REDIRECT_URI_DEV");
    expect((error as Error).message).not.toContain(client.client_secret!);
  });

  it("refuses an auth method the client was not registered with", async () => {
    const error = await verifyRegistration(
      configFor(REGISTERED, { authMethod: "client_secret_basic" }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistrationMismatchError);
    expect((error as Error).message).toContain("POLAR_AUTH_METHOD=client_secret_post");
  });
});

describe("startup check without a registration token (probe of the JSON authorize API)", () => {
  const probe = (redirectUri: string, extra: Record<string, unknown> = {}) =>
    configFor(redirectUri, { registrationAccessToken: undefined, ...extra });

  it("passes for a registered redirect URI, asking the API once and never the page", async () => {
    emulator.resetStats();
    expect(await verifyRegistration(probe(REGISTERED))).toMatchObject({ method: "probe" });
    expect(emulator.stats().requests).toMatchObject({ authorize_api: 1, authorize: 0 });
  });

  it("passes for an organization sign-in and for a client without openid", async () => {
    await expect(
      verifyRegistration(probe(REGISTERED, { subType: "organization" })),
    ).resolves.toMatchObject({ method: "probe" });
    await expect(
      verifyRegistration(probe(REGISTERED, { scopes: "orders:read" })),
    ).resolves.toMatchObject({ method: "probe" });
  });

  it("refuses an unregistered redirect URI that the browser page would have shown with 200", async () => {
    const wrong = `${REGISTERED}/`;
    // What the old check asked: Polar's page renders its error with a success status.
    const page = await fetch(
      `${emulator.url}/oauth2/authorize?response_type=code&client_id=${client.client_id}&redirect_uri=${encodeURIComponent(wrong)}`,
      { redirect: "manual" },
    );
    expect(page.status).toBe(200);
    const error = await verifyRegistration(probe(wrong)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedirectUriMismatchError);
    expect((error as Error).message).toContain("not registered exactly");
    expect((error as Error).message).toContain("is not supported by client");
  });

  it("refuses an unknown client id, naming the variable", async () => {
    const error = await verifyRegistration(
      probe(REGISTERED, { clientId: "polar_ci_doesnotexist" }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistrationMismatchError);
    expect((error as Error).message).toContain("Polar does not know client polar_ci_doesnotexist");
    expect((error as Error).message).toContain("POLAR_CLIENT_ID_DEV");
  });
});

describe("startup check when Polar is unreachable", () => {
  it("says so clearly, after the configured retries", async () => {
    const config = definePolarConfig({
      server: "http://127.0.0.1:9",
      clientId: "polar_ci_x",
      clientSecret: "polar_cs_x",
      redirectUri: REGISTERED,
      registrationAccessToken: "polar_crt_x",
      timeoutMs: 500,
    });
    const started = Date.now();
    const error = await verifyRegistration(config, { retries: 2, retryDelayMs: 100 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PolarUnreachableError);
    expect((error as Error).message).toMatch(
      /Polar server unreachable at http:\/\/127\.0\.0\.1:9 \(set by POLAR_SERVER or the `server` option\): connection failed/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });
});
