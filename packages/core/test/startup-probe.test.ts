import { afterEach, describe, expect, it } from "vitest";
import { definePolarConfig } from "../src/config/define.js";
import { PolarError, RedirectUriMismatchError, RegistrationMismatchError } from "../src/errors.js";
import {
  authorizationApiEndpoint,
  POLAR_SERVERS,
  resolvePolarServer,
} from "../src/server/polar-servers.js";
import { verifyRegistration } from "../src/startup-check.js";
import { type Answer, type LocalServer, startLocalServer } from "./support/local-server.js";

const SECRET = "a-session-secret-that-is-long-enough-123";
const REDIRECT = "http://localhost:3000/auth/callback";

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const configFor = (url: string, extra: Record<string, unknown> = {}) =>
  definePolarConfig({
    server: url,
    clientId: "polar_ci_probe",
    redirectUri: REDIRECT,
    session: { secrets: SECRET },
    ...extra,
  });

async function polarAnswering(answer: Answer): Promise<LocalServer> {
  server = await startLocalServer(() => answer);
  return server;
}

describe("where the probe asks: the JSON authorize API, never the browser page", () => {
  it.each([
    ["production", "https://api.polar.sh/v1/oauth2/authorize"],
    ["sandbox", "https://sandbox-api.polar.sh/v1/oauth2/authorize"],
  ] as const)("%s: %s", (kind, endpoint) => {
    expect(authorizationApiEndpoint(POLAR_SERVERS[kind])).toBe(endpoint);
    // The browser page stays the one users are sent to.
    expect(POLAR_SERVERS[kind].metadata?.authorization_endpoint).not.toBe(endpoint);
  });

  it("a custom server: {server}/v1/oauth2/authorize", () => {
    expect(authorizationApiEndpoint(resolvePolarServer("http://127.0.0.1:4000/")!)).toBe(
      "http://127.0.0.1:4000/v1/oauth2/authorize",
    );
  });

  it("production is probed at api.polar.sh with the sign-in's parameters", async () => {
    const asked: string[] = [];
    const recording: typeof fetch = async (input) => {
      asked.push(String(input));
      return new Response(JSON.stringify({ detail: "Unauthorized" }), { status: 401 });
    };
    const config = definePolarConfig({
      environment: "production",
      clientId: "polar_ci_probe",
      redirectUri: "https://app.example.com/auth/callback",
      session: { secrets: SECRET },
      subType: "organization",
    });
    await expect(verifyRegistration(config, { fetch: recording })).resolves.toMatchObject({
      method: "probe",
    });
    expect(asked).toHaveLength(1);
    const url = new URL(asked[0]!);
    expect(url.origin + url.pathname).toBe("https://api.polar.sh/v1/oauth2/authorize");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: "code",
      client_id: "polar_ci_probe",
      redirect_uri: "https://app.example.com/auth/callback",
      sub_type: "organization",
      code_challenge_method: "S256",
    });
  });
});

describe("what Polar's answers mean", () => {
  it("401 (login required) and 200 (consent data) pass", async () => {
    for (const answer of [
      { status: 401, body: { detail: "Unauthorized" } },
      {
        status: 200,
        body: { client: { client_id: "polar_ci_probe" }, sub: null, organizations: [] },
      },
    ]) {
      const polar = await polarAnswering(answer);
      await expect(verifyRegistration(configFor(polar.url))).resolves.toMatchObject({
        method: "probe",
        redirectUri: REDIRECT,
      });
      await polar.close();
      server = undefined;
    }
  });

  it("400 invalid_client: the client is unknown, and the message says which variable to fix", async () => {
    const polar = await polarAnswering({
      status: 400,
      body: {
        error: "invalid_client",
        error_description: "The client does not exist on this server.",
      },
    });
    const error = await verifyRegistration(configFor(polar.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistrationMismatchError);
    expect((error as Error).message).toContain("Polar does not know client polar_ci_probe");
    expect((error as Error).message).toContain("POLAR_CLIENT_ID_DEV");
    expect(polar.requests[0]?.url).toMatch(/^\/v1\/oauth2\/authorize\?/);
  });

  it("400 invalid_request about the redirect URI is a RedirectUriMismatchError", async () => {
    const polar = await polarAnswering({
      status: 400,
      body: {
        error: "invalid_request",
        error_description: `Redirect URI ${REDIRECT} is not supported by client.`,
      },
    });
    const error = await verifyRegistration(configFor(polar.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedirectUriMismatchError);
    expect((error as Error).message).toContain("not registered exactly");
    expect((error as Error).message).toContain("POLAR_REGISTRATION_TOKEN_DEV");
  });

  it("a redirect back with invalid_scope names the scopes; login_required passes", async () => {
    const back = (error: string) => ({
      status: 302,
      headers: { location: `${REDIRECT}?error=${error}&state=polar-oauth-startup-check` },
    });
    let polar = await polarAnswering(back("invalid_scope"));
    const error = await verifyRegistration(configFor(polar.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistrationMismatchError);
    expect((error as Error).message).toContain("invalid_scope");
    expect((error as Error).message).toContain("POLAR_SCOPES_DEV");
    await polar.close();
    polar = await polarAnswering(back("login_required"));
    server = polar;
    await expect(verifyRegistration(configFor(polar.url))).resolves.toMatchObject({
      method: "probe",
    });
  });

  it.each([
    [
      "unauthorized_client",
      RegistrationMismatchError,
      /may not use the authorization code flow.*bootstrap --env development --apply/,
    ],
    ["access_denied", PolarError, /denied the authorization before any user was asked/],
    ["invalid_request", PolarError, /found a parameter of the authorization request invalid/],
    ["server_error", PolarError, /failed while checking/],
    ["made_up_error", PolarError, /error=made_up_error.*sign-ins would fail the same way/],
  ] as const)("a redirect back with %s fails with its meaning", async (code, type, meaning) => {
    const polar = await polarAnswering({
      status: 302,
      headers: {
        location: `${REDIRECT}?error=${code}&error_description=${encodeURIComponent("Said\u001b]52;c;aGk=\u0007 so")}&state=polar-oauth-startup-check`,
      },
    });
    const error = await verifyRegistration(configFor(polar.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(meaning);
    expect((error as Error).message).toContain(`error=${code}`);
    if (type === PolarError) expect((error as PolarError).code).toBe("STARTUP_CHECK_REFUSED");
    // Server text is made printable: no escape sequence reaches a log.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not be there
    expect((error as Error).message).not.toMatch(/[\u0000-\u001f]/);
  });

  it.each([
    ["consent_required", `${REDIRECT}?error=consent_required&state=s`],
    ["a code", `${REDIRECT}?code=abc&state=s`],
  ])(
    "a redirect back with %s proves the client and redirect URI known _guard_",
    async (_, location) => {
      const polar = await polarAnswering({ status: 302, headers: { location } });
      await expect(verifyRegistration(configFor(polar.url))).resolves.toMatchObject({
        method: "probe",
      });
    },
  );

  it.each([
    ["another site (a login wall)", "https://login.example.com/sso?next=%2F"],
    ["the redirect URI's origin, another path", "http://localhost:3000/elsewhere?error=x"],
    ["the redirect URI, with neither code nor error", `${REDIRECT}?state=s`],
    ["no Location at all", undefined],
  ])("a redirect to %s proves nothing: inconclusive, not a pass", async (_, location) => {
    const polar = await polarAnswering({
      status: 302,
      headers: location === undefined ? {} : { location },
    });
    const error = await verifyRegistration(configFor(polar.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolarError);
    expect((error as PolarError).code).toBe("STARTUP_CHECK_INCONCLUSIVE");
    expect((error as Error).message).toContain("POLAR_REGISTRATION_TOKEN_DEV");
    expect((error as Error).message).not.toContain("next=");
  });

  it.each([
    "Missing 'redirect_uri' in request.",
    'Multiple "redirect_uri" in request.',
    "Invalid sub_type",
  ])(
    "400 invalid_request %j is not a redirect-URI mismatch: refused with its meaning",
    async (description) => {
      const polar = await polarAnswering({
        status: 400,
        body: { error: "invalid_request", error_description: description },
      });
      const error = await verifyRegistration(configFor(polar.url)).catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(RedirectUriMismatchError);
      expect((error as PolarError).code).toBe("STARTUP_CHECK_REFUSED");
      expect((error as Error).message).toContain(description.replace(/\.$/, ""));
    },
  );

  it.each([
    ["an HTML page", { status: 200, body: "<!doctype html><title>Sign in</title>" }],
    [
      "JSON about another client",
      { status: 200, body: { client: { client_id: "polar_ci_other" } } },
    ],
    ["JSON without a client", { status: 200, body: { sub: null, organizations: [] } }],
  ])("a 200 with %s proves nothing: inconclusive, not a pass", async (_, answer) => {
    const polar = await polarAnswering(answer as Answer);
    const error = await verifyRegistration(configFor(polar.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolarError);
    expect((error as PolarError).code).toBe("STARTUP_CHECK_INCONCLUSIVE");
  });

  it("a 2xx HTML page would prove nothing, so a 404 (no JSON API) is inconclusive, not a pass", async () => {
    const polar = await polarAnswering({ status: 404, body: "not found" });
    const error = await verifyRegistration(configFor(polar.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolarError);
    expect((error as PolarError).code).toBe("STARTUP_CHECK_INCONCLUSIVE");
    expect((error as Error).message).toContain("no JSON authorize API");
  });
});
