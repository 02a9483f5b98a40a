import {
  definePolarConfig,
  POLAR_SCOPES,
  RegistrationMismatchError,
  verifyRegistration,
} from "@polar-oauth/core";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_SESSION_SECRET } from "../support/kit.js";

// A Polar whose "every scope" differs from the kit's list: it dropped one and added one.
const SERVER_SCOPES = [...POLAR_SCOPES.filter((s) => s !== "products:read"), "widgets:read"];
const REDIRECT_URI = "https://app.example.com/callback";

let emulator: Emulator;
let client: Awaited<ReturnType<Emulator["registerClient"]>>;

beforeAll(async () => {
  emulator = await startEmulator({ rateLimits: false, scopes: SERVER_SCOPES });
  // No scope: the server's default, every scope *it* supports.
  client = await emulator.registerClient({ client_name: "Scopes", redirect_uris: [REDIRECT_URI] });
});
afterAll(() => emulator.close());

const configFor = (scopes: string) =>
  definePolarConfig({
    server: emulator.url,
    clientId: client.client_id,
    clientSecret: client.client_secret!,
    redirectUri: REDIRECT_URI,
    registrationAccessToken: client.registration_access_token,
    session: { secrets: TEST_SESSION_SECRET },
    scopes,
  });

describe("startup check and the server's scope default", () => {
  it("passes when the client's server-default scope covers what the app requests", async () => {
    expect(client.scope).toBe(SERVER_SCOPES.join(" "));
    await expect(verifyRegistration(configFor("openid profile email"))).resolves.toMatchObject({
      method: "registration",
    });
  });

  it("names a requested scope the client lacks, and says Polar drops it instead of refusing the sign-in", async () => {
    const error = await verifyRegistration(configFor("openid email products:read")).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RegistrationMismatchError);
    const message = (error as Error).message;
    expect(message).toContain("products:read");
    expect(message).toContain("does not refuse the sign-in");
    expect(message).not.toContain("invalid_scope");
    expect(message).not.toContain(client.client_secret!);
  });
});
