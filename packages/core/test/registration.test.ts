import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  PolarApiError,
  PolarConfigError,
  PolarError,
  PolarRateLimitError,
  PolarUnreachableError,
} from "../src/errors.js";
import {
  deleteClient,
  getClient,
  type RegistrationContext,
  registerClient,
  updateClient,
} from "../src/registration/api.js";
import type { ClientMetadataInput, RegisteredClient } from "../src/registration/schema.js";
import { Secret } from "../src/secret.js";
import { resolvePolarServer } from "../src/server/polar-servers.js";
import { type FakePolar, startFakePolar } from "./support/fake-polar.js";
import { unusedLocalUrl } from "./support/local-server.js";
import { expectNoSecrets, SECRETS } from "./support/redaction.js";

/** The seed's example client. */
const SEED_CLIENT: ClientMetadataInput = {
  client_name: "My App",
  redirect_uris: ["https://example.com/auth/callback"],
  client_uri: "https://example.com",
  logo_uri: "https://example.com/logo.png",
  tos_uri: "https://example.com/terms",
  policy_uri: "https://example.com/privacy",
};

let polar: FakePolar;
let context: RegistrationContext;

beforeEach(async () => {
  polar = await startFakePolar();
  context = { server: polar.url };
});

afterEach(async () => {
  await polar.close();
});

/** Every secret the fake has handed out, plus the test's own. */
function knownSecrets(): string[] {
  const issued = [...polar.clients.values()].flatMap((c) =>
    [c.clientSecret, c.registrationToken].filter((s): s is string => s !== undefined),
  );
  return [...issued, ...Object.values(SECRETS)];
}

/** The rejection of `promise`, checked to leak no secret. */
async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => {
      throw new Error("expected a failure, but the call succeeded");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PolarError);
  expectNoSecrets(error, knownSecrets());
  return error as Error;
}

/** Registers the seed client and returns it with the credentials to manage it. */
async function registered(
  metadata: ClientMetadataInput = SEED_CLIENT,
): Promise<{ client: RegisteredClient; manage: RegistrationContext }> {
  const client = await registerClient(metadata, context);
  return {
    client,
    manage: { server: polar.url, registrationAccessToken: client.registration_access_token! },
  };
}

describe("registerClient", () => {
  it("POSTs the metadata with the seed's defaults to /v1/oauth2/register", async () => {
    await registerClient(SEED_CLIENT, context);
    expect(polar.requests).toHaveLength(1);
    const [request] = polar.requests;
    expect(request!.method).toBe("POST");
    expect(request!.url).toBe("/v1/oauth2/register");
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers.accept).toBe("application/json");
    expect(request!.json).toEqual({
      ...SEED_CLIENT,
      token_endpoint_auth_method: "client_secret_post",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    });
  });

  it("registers anonymously: Polar refuses every API token here (403 NotPermitted)", async () => {
    await registerClient(SEED_CLIENT, {
      server: polar.url,
      // A caller mixing in a Personal Access Token (no longer part of the type) sends nothing.
      ...({ accessToken: SECRETS.accessToken } as object),
    });
    expect(polar.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("returns the client with its secret and registration token as Secrets", async () => {
    const client = await registerClient(SEED_CLIENT, context);
    const stored = polar.clients.get(client.client_id)!;
    expect(client.client_id).toMatch(/^polar_ci_/);
    expect(client.client_secret).toBeInstanceOf(Secret);
    expect(client.client_secret?.reveal()).toBe(stored.clientSecret);
    expect(client.registration_access_token).toBeInstanceOf(Secret);
    expect(client.registration_access_token?.reveal()).toBe(stored.registrationToken);
    expect(client).toMatchObject({
      client_name: "My App",
      redirect_uris: ["https://example.com/auth/callback"],
      token_endpoint_auth_method: "client_secret_post",
      client_secret_expires_at: 0,
    });
    expectNoSecrets(client, knownSecrets());
  });

  it("registers a public client (none) that gets no secret", async () => {
    const client = await registerClient(
      { ...SEED_CLIENT, token_endpoint_auth_method: "none" },
      context,
    );
    expect(polar.requests[0]!.json).toMatchObject({ token_endpoint_auth_method: "none" });
    expect(client.client_secret ?? undefined).toBeUndefined();
    expect(client.token_endpoint_auth_method).toBe("none");
  });

  it("sends scope, default_sub_type and grant types as given", async () => {
    await registerClient(
      {
        ...SEED_CLIENT,
        scope: "openid email orders:read",
        default_sub_type: "organization",
        grant_types: ["authorization_code"],
      },
      context,
    );
    expect(polar.requests[0]!.json).toMatchObject({
      scope: "openid email orders:read",
      default_sub_type: "organization",
      grant_types: ["authorization_code"],
    });
  });

  it("accepts a resolved PolarServer as well as a URL", async () => {
    const client = await registerClient(SEED_CLIENT, {
      ...context,
      server: resolvePolarServer(polar.url)!,
    });
    expect(client.client_id).toMatch(/^polar_ci_/);
  });

  it("uses an injected fetch", async () => {
    const viaProxy: typeof fetch = (input, init) =>
      fetch(input, { ...init, headers: { ...(init?.headers as object), "x-proxy": "yes" } });
    await registerClient(SEED_CLIENT, { ...context, fetch: viaProxy });
    expect(polar.requests[0]!.headers["x-proxy"]).toBe("yes");
  });
});

describe("client metadata is checked before any request", () => {
  it.each<[string, ClientMetadataInput, string, RegExp]>([
    [
      "an http redirect URI on a public host",
      { ...SEED_CLIENT, redirect_uris: ["https://ok.example.com/cb", "http://example.com/cb"] },
      "redirect_uris.1",
      /http is only allowed for localhost/,
    ],
    [
      "a redirect URI with a fragment",
      { ...SEED_CLIENT, redirect_uris: ["https://example.com/cb#x"] },
      "redirect_uris.0",
      /fragment/,
    ],
    [
      "a wildcard redirect URI",
      { ...SEED_CLIENT, redirect_uris: ["https://*.example.com/cb"] },
      "redirect_uris.0",
      /wildcard/,
    ],
    [
      "no redirect URI",
      { ...SEED_CLIENT, redirect_uris: [] },
      "redirect_uris",
      /at least one redirect URI/,
    ],
    [
      "an unknown scope",
      { ...SEED_CLIENT, scope: "openid profle" },
      "scope",
      /did you mean "profile"/,
    ],
    ["an empty client name", { ...SEED_CLIENT, client_name: "  " }, "client_name", /required/],
    [
      "a logo that is not an http(s) URL",
      { ...SEED_CLIENT, logo_uri: "javascript:alert(1)" },
      "logo_uri",
      /http\(s\) URL/,
    ],
  ])("refuses %s", async (_, metadata, variable, words) => {
    const error = await failureOf(registerClient(metadata, context));
    expect(error).toBeInstanceOf(PolarConfigError);
    const issue = (error as PolarConfigError).issues.find((i) => i.variable === variable);
    expect(issue?.problem).toMatch(words);
    expect(error.message).toContain(variable);
    expect(polar.requests).toHaveLength(0);
  });

  it("lists every invalid field at once", async () => {
    const error = (await failureOf(
      registerClient(
        {
          client_name: "",
          redirect_uris: ["http://example.com/cb"],
          scope: "nope",
          client_uri: "not a url",
        },
        context,
      ),
    )) as PolarConfigError;
    expect(error.issues.map((i) => i.variable).sort()).toEqual(
      ["client_name", "client_uri", "redirect_uris.0", "scope"].sort(),
    );
  });

  it("refuses bad metadata on update too", async () => {
    const { client, manage } = await registered();
    const before = polar.requests.length;
    await failureOf(
      updateClient(client.client_id, { ...SEED_CLIENT, redirect_uris: ["nope"] }, manage),
    );
    expect(polar.requests).toHaveLength(before);
  });

  it("refuses a server that is neither production, sandbox nor a URL", async () => {
    const error = await failureOf(registerClient(SEED_CLIENT, { server: "staging" }));
    expect(error).toBeInstanceOf(PolarConfigError);
    expect(error.message).toContain("POLAR_SERVER");
  });
});

describe("getClient, updateClient, deleteClient (RFC 7592)", () => {
  it("reads the client back with its registration access token", async () => {
    const { client, manage } = await registered();
    const read = await getClient(client.client_id, manage);
    const request = polar.requests.at(-1)!;
    expect(request.method).toBe("GET");
    expect(request.url).toBe(`/v1/oauth2/register/${client.client_id}`);
    expect(request.headers.authorization).toBe(
      `Bearer ${client.registration_access_token!.reveal()}`,
    );
    expect(read.client_id).toBe(client.client_id);
    expect(read.redirect_uris).toEqual(SEED_CLIENT.redirect_uris);
    expect(read.client_secret?.reveal()).toBe(client.client_secret?.reveal());
  });

  it("PUTs the whole metadata with defaults and repeats client_id", async () => {
    const { client, manage } = await registered({
      ...SEED_CLIENT,
      scope: "openid email",
      grant_types: ["authorization_code"],
    });
    const updated = await updateClient(
      client.client_id,
      {
        client_name: "My App (Updated)",
        redirect_uris: [
          "https://example.com/auth/callback",
          "https://staging.example.com/auth/callback",
        ],
      },
      manage,
    );
    const request = polar.requests.at(-1)!;
    expect(request.method).toBe("PUT");
    expect(request.url).toBe(`/v1/oauth2/register/${client.client_id}`);
    expect(request.headers.authorization).toBe(
      `Bearer ${client.registration_access_token!.reveal()}`,
    );
    expect(request.json).toEqual({
      client_id: client.client_id,
      client_name: "My App (Updated)",
      redirect_uris: [
        "https://example.com/auth/callback",
        "https://staging.example.com/auth/callback",
      ],
      token_endpoint_auth_method: "client_secret_post",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    });
    expect(updated.client_name).toBe("My App (Updated)");
    expect(updated.redirect_uris).toHaveLength(2);
    expect(updated.registration_access_token).toBeInstanceOf(Secret);
  });

  it("DELETEs the client (204) after which it is gone", async () => {
    const { client, manage } = await registered();
    await expect(deleteClient(client.client_id, manage)).resolves.toBeUndefined();
    const request = polar.requests.at(-1)!;
    expect(request.method).toBe("DELETE");
    expect(request.url).toBe(`/v1/oauth2/register/${client.client_id}`);
    expect(polar.clients.has(client.client_id)).toBe(false);
    const error = await failureOf(getClient(client.client_id, manage));
    expect(error).toMatchObject({ status: 401, error: "invalid_client" });
  });

  it("encodes the client id in the path", async () => {
    await failureOf(
      getClient("polar_ci_a/../b?c", { server: polar.url, registrationAccessToken: "x" }),
    );
    expect(polar.requests[0]!.url).toBe("/v1/oauth2/register/polar_ci_a%2F..%2Fb%3Fc");
  });

  it.each([
    ["getClient", (ctx: RegistrationContext) => getClient("polar_ci_x", ctx)],
    ["updateClient", (ctx: RegistrationContext) => updateClient("polar_ci_x", SEED_CLIENT, ctx)],
    ["deleteClient", (ctx: RegistrationContext) => deleteClient("polar_ci_x", ctx)],
  ])("%s without any credential fails before sending anything", async (_, call) => {
    const error = await failureOf(call({ server: polar.url }));
    expect((error as PolarError).code).toBe("POLAR_CREDENTIAL_MISSING");
    expect(error.message).toMatch(/POLAR_REGISTRATION_TOKEN_/);
    expect(polar.requests).toHaveLength(0);
  });
});

describe("Polar's error answers", () => {
  it.each([
    ["delta seconds", () => "30", 30, 30],
    ["an HTTP date", () => new Date(Date.now() + 120_000).toUTCString(), 118, 121],
  ])("429 with Retry-After as %s → PolarRateLimitError", async (_, header, min, max) => {
    polar.override = () => ({
      status: 429,
      headers: { "retry-after": header() },
      body: { detail: "Too many requests" },
    });
    const error = await failureOf(registerClient(SEED_CLIENT, context));
    expect(error).toBeInstanceOf(PolarRateLimitError);
    const limited = error as PolarRateLimitError;
    expect(limited.code).toBe("POLAR_RATE_LIMITED");
    expect(limited.endpoint).toBe("client registration");
    expect(limited.retryAfterSeconds).toBeGreaterThanOrEqual(min);
    expect(limited.retryAfterSeconds).toBeLessThanOrEqual(max);
    expect(limited.message).toContain(`retry after ${limited.retryAfterSeconds} s`);
  });

  it("429 without Retry-After says to retry later", async () => {
    polar.override = () => ({ status: 429 });
    const error = (await failureOf(registerClient(SEED_CLIENT, context))) as PolarRateLimitError;
    expect(error).toBeInstanceOf(PolarRateLimitError);
    expect(error.retryAfterSeconds).toBeUndefined();
    expect(error.message).toMatch(/client registration.*retry later/);
  });

  it("401 invalid_client for a wrong registration token", async () => {
    const { client } = await registered();
    const error = await failureOf(
      getClient(client.client_id, {
        server: polar.url,
        registrationAccessToken: SECRETS.registrationToken,
      }),
    );
    expect(error).toBeInstanceOf(PolarApiError);
    expect(error).toMatchObject({ status: 401, error: "invalid_client", endpoint: "client read" });
    expect(error.message).toMatch(/401 invalid_client: Invalid client or token/);
  });

  it("400 access_denied when Polar sees no credential", async () => {
    polar.override = (request) =>
      request.method === "DELETE"
        ? { status: 400, body: { error: "access_denied", error_description: "Login required." } }
        : undefined;
    const error = await failureOf(
      deleteClient("polar_ci_x", {
        server: polar.url,
        registrationAccessToken: SECRETS.registrationToken,
      }),
    );
    expect(error).toBeInstanceOf(PolarApiError);
    expect(error).toMatchObject({ status: 400, error: "access_denied" });
    expect(error.message).toMatch(/client deletion failed with 400 access_denied/);
  });

  it("403 with a detail message", async () => {
    polar.override = () => ({ status: 403, body: { detail: "Not permitted for this user." } });
    const error = await failureOf(registerClient(SEED_CLIENT, context));
    expect(error).toMatchObject({ status: 403, code: "POLAR_API_ERROR" });
    expect(error.message).toContain("Not permitted for this user.");
  });

  it("Polar's own error shape {error: <Class>, detail} keeps the class and the detail", async () => {
    polar.override = () => ({
      status: 403,
      body: { error: "NotPermitted", detail: "Not permitted" },
    });
    const error = await failureOf(registerClient(SEED_CLIENT, context));
    expect(error).toMatchObject({ status: 403, error: "NotPermitted" });
    expect(error.message).toBe("client registration failed with 403 NotPermitted: Not permitted.");
  });

  it("429 with an empty body, as Polar sends it, still yields Retry-After", async () => {
    polar.override = () => ({ status: 429, headers: { "retry-after": "42" } });
    const error = (await failureOf(registerClient(SEED_CLIENT, context))) as PolarRateLimitError;
    expect(error).toBeInstanceOf(PolarRateLimitError);
    expect(error.retryAfterSeconds).toBe(42);
  });

  it("422 schema errors name the field (Polar's body carries error: RequestValidationError)", async () => {
    polar.override = () => ({
      status: 422,
      body: {
        error: "RequestValidationError",
        detail: [
          { loc: ["body", "redirect_uris", 0], msg: "URL scheme not permitted", type: "x" },
          { loc: ["body", "logo_uri"], msg: "invalid or missing URL scheme" },
        ],
      },
    });
    const error = await failureOf(registerClient(SEED_CLIENT, context));
    expect(error).toMatchObject({ status: 422, code: "POLAR_VALIDATION_FAILED" });
    expect(error.message).toContain("redirect_uris.0: URL scheme not permitted");
    expect(error.message).toContain("logo_uri: invalid or missing URL scheme");
  });

  it("400 invalid_client_metadata (unknown scope at the server)", async () => {
    polar.override = () => ({
      status: 400,
      body: { error: "invalid_client_metadata", error_description: "Invalid scope: foo" },
    });
    const error = await failureOf(registerClient(SEED_CLIENT, context));
    expect(error).toMatchObject({ status: 400, error: "invalid_client_metadata" });
    expect(error.message).toContain("Invalid scope: foo");
  });

  it("a body that is not JSON", async () => {
    polar.override = () => ({ status: 201, body: "<html>Created</html>" });
    const error = await failureOf(registerClient(SEED_CLIENT, context));
    expect(error).toMatchObject({ code: "POLAR_BAD_RESPONSE", status: 201 });
    expect(error.message).toMatch(/not JSON/);
  });

  it("an error page that is not JSON", async () => {
    polar.override = () => ({ status: 502, body: "<html>Bad Gateway</html>" });
    const error = await failureOf(registerClient(SEED_CLIENT, context));
    expect(error).toMatchObject({ code: "POLAR_API_ERROR", status: 502 });
    expect(error.message).toMatch(/client registration failed with HTTP 502/);
  });

  it("JSON that is not a client, without echoing the secrets it holds", async () => {
    const leaked = { client_secret: SECRETS.clientSecret, token: SECRETS.registrationToken };
    polar.override = () => ({ status: 201, body: leaked });
    const error = await failureOf(registerClient(SEED_CLIENT, context));
    expect(error).toMatchObject({ code: "POLAR_BAD_RESPONSE", status: 201 });
    expect(error.message).toMatch(/not a Polar OAuth client/);
  });

  it("a server that never answers → PolarUnreachableError after timeoutMs", async () => {
    polar.override = () => "hang";
    const error = await failureOf(registerClient(SEED_CLIENT, { ...context, timeoutMs: 150 }));
    expect(error).toBeInstanceOf(PolarUnreachableError);
    expect(error.message).toContain(polar.url);
    expect(error.message).toMatch(/no answer within 150 ms/);
  });

  it("nothing listening → PolarUnreachableError", async () => {
    const url = await unusedLocalUrl();
    const error = await failureOf(
      getClient("polar_ci_x", { server: url, registrationAccessToken: SECRETS.registrationToken }),
    );
    expect(error).toBeInstanceOf(PolarUnreachableError);
    expect(error.message).toMatch(/connection failed \(ECONNREFUSED\)/);
  });
});
