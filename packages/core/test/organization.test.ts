import * as oidc from "openid-client";
import { afterEach, describe, expect, it } from "vitest";
import { definePolarConfig } from "../src/config/define.js";
import { PolarLoginError } from "../src/flow/login-error.js";
import { organizationSource, resolveOrganization } from "../src/flow/organization.js";
import { isSessionData, type SessionData, toPolarSession } from "../src/session/data.js";
import { type Answer, type LocalServer, startLocalServer } from "./support/local-server.js";

const SECRET = "a-session-secret-that-is-long-enough-123";
const TOKEN = "polar_at_u_test";
const ACME = { id: "ac3e0000-0000-4000-8000-00000000a001", name: "Acme Inc", slug: "acme" };

let polar: LocalServer | undefined;
afterEach(async () => {
  await polar?.close();
  polar = undefined;
});

/** A Polar that answers introspection and the organizations list as told. */
async function startPolar(answers: { introspect?: Answer; organizations?: Answer }) {
  polar = await startLocalServer((request) => {
    if (request.url.startsWith("/v1/oauth2/introspect"))
      return answers.introspect ?? { status: 404, body: "no" };
    if (request.url.startsWith("/v1/organizations/"))
      return answers.organizations ?? { status: 404, body: "no" };
    return { status: 404, body: "no" };
  });
  return polar;
}

function setup(
  server: LocalServer,
  authMethod: "client_secret_post" | "none",
  scopes: string,
  timeoutMs?: number,
) {
  const config = definePolarConfig({
    timeoutMs,
    server: server.url,
    clientId: "polar_ci_org",
    clientSecret: authMethod === "none" ? undefined : "polar_cs_org",
    authMethod,
    redirectUri: "http://localhost:3000/auth/callback",
    scopes,
    subType: "organization",
    session: { secrets: SECRET },
  });
  const configuration = new oidc.Configuration(
    {
      issuer: server.url,
      introspection_endpoint: `${server.url}/v1/oauth2/introspect`,
    },
    "polar_ci_org",
    { token_endpoint_auth_method: authMethod },
    authMethod === "none" ? oidc.None() : oidc.ClientSecretPost("polar_cs_org"),
  );
  oidc.allowInsecureRequests(configuration);
  return { config, configuration };
}

/** What resolveOrganization throws for the test token and the config's own scopes. */
const failureOf = (
  config: ReturnType<typeof setup>["config"],
  configuration: oidc.Configuration,
): Promise<PolarLoginError> =>
  resolveOrganization(config, configuration, TOKEN, config.scopes, undefined).then(
    () => expect.unreachable("resolveOrganization should have thrown"),
    (e: unknown) => e as PolarLoginError,
  );

const introspection = (organizations: string[]) => ({
  status: 200,
  body: { active: true, sub_type: "user", sub: "alice", organizations },
});
const listing = (items: unknown[]) => ({
  status: 200,
  body: { items, pagination: { total_count: items.length, max_page: 1 } },
});

describe("organizationSource", () => {
  it("introspection for confidential clients, the organizations API or nothing for public ones", async () => {
    const server = await startPolar({});
    expect(organizationSource(setup(server, "client_secret_post", "openid").config)).toBe(
      "introspection",
    );
    expect(organizationSource(setup(server, "none", "openid organizations:read").config)).toBe(
      "organizations-api",
    );
    expect(organizationSource(setup(server, "none", "openid").config)).toBe("none");
  });
});

describe("resolveOrganization (once, at the callback)", () => {
  it("confidential with organizations:read: introspection's id, then name and slug from the API", async () => {
    const server = await startPolar({
      introspect: introspection([ACME.id]),
      organizations: listing([{ ...ACME, avatar_url: null }]),
    });
    const { config, configuration } = setup(
      server,
      "client_secret_post",
      "openid organizations:read",
    );
    expect(
      await resolveOrganization(config, configuration, TOKEN, config.scopes, undefined),
    ).toEqual(ACME);
    expect(server.requests.map((r) => r.url.split("?")[0])).toEqual([
      "/v1/oauth2/introspect",
      "/v1/organizations/",
    ]);
    expect(server.requests[1]?.url).toBe("/v1/organizations/?limit=100");
    expect(server.requests[1]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(server.requests[1]?.headers.accept).toBe("application/json");
  });

  it("a public client without organizations:read asks nothing and learns nothing", async () => {
    const server = await startPolar({ organizations: listing([ACME]) });
    const { config, configuration } = setup(server, "none", "openid");
    expect(
      await resolveOrganization(config, configuration, TOKEN, config.scopes, undefined),
    ).toBeUndefined();
    expect(server.requests).toHaveLength(0);
  });

  it("a name or slug over 256 characters, or not a string, is left out; 256 is kept", async () => {
    const long = "n".repeat(256);
    const server = await startPolar({
      organizations: listing([{ id: ACME.id, name: long, slug: `${long}s` }]),
    });
    const { config, configuration } = setup(server, "none", "openid organizations:read");
    expect(
      await resolveOrganization(config, configuration, TOKEN, config.scopes, undefined),
    ).toEqual({ id: ACME.id, name: long });
    await polar?.close();
    const other = await startPolar({
      organizations: listing([{ id: ACME.id, name: ["Acme"], slug: 5 }]),
    });
    const again = setup(other, "none", "openid organizations:read");
    expect(
      await resolveOrganization(
        again.config,
        again.configuration,
        TOKEN,
        again.config.scopes,
        undefined,
      ),
    ).toEqual({ id: ACME.id });
  });

  it("confidential without the scope: the id only, and the API is not asked", async () => {
    const server = await startPolar({ introspect: introspection([ACME.id]) });
    const { config, configuration } = setup(server, "client_secret_post", "openid");
    expect(
      await resolveOrganization(config, configuration, TOKEN, config.scopes, undefined),
    ).toEqual({ id: ACME.id });
    expect(server.requests).toHaveLength(1);
  });

  it("a scope requested but not granted (Polar drops it) is not used", async () => {
    const server = await startPolar({});
    const { config, configuration } = setup(server, "none", "openid organizations:read");
    expect(
      await resolveOrganization(config, configuration, TOKEN, ["openid"], undefined),
    ).toBeUndefined();
    expect(server.requests).toHaveLength(0);
  });

  it("public with the scope: the one organization the down-scoped token lists", async () => {
    const server = await startPolar({ organizations: listing([ACME]) });
    const { config, configuration } = setup(server, "none", "openid organizations:read");
    expect(
      await resolveOrganization(config, configuration, TOKEN, config.scopes, undefined),
    ).toEqual(ACME);
  });

  it.each([
    [
      "introspection lists no organization",
      "client_secret_post",
      { introspect: introspection([]) },
    ],
    [
      "introspection lists two",
      "client_secret_post",
      { introspect: introspection([ACME.id, "b0bb0000-0000-4000-8000-00000000b001"]) },
    ],
    [
      "introspection lists an organization that is not a string",
      "client_secret_post",
      { introspect: introspection([7 as unknown as string]) },
    ],
    [
      "the API lists two (the token was not down-scoped)",
      "none",
      { organizations: listing([ACME, { id: "other", name: "Other", slug: "other" }]) },
    ],
  ] as const)("refuses the sign-in when %s", async (_case, authMethod, answers) => {
    const server = await startPolar(answers);
    const { config, configuration } = setup(server, authMethod, "openid organizations:read");
    const error = await failureOf(config, configuration);
    expect(error).toBeInstanceOf(PolarLoginError);
    expect(error).toMatchObject({ failure: "organization_unresolved", status: 400 });
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it.each([
    ["the API answers without items", { status: 200, body: { pagination: {} } }],
    ["the API lists only items without a string id", listing([{ id: 7, name: "Acme" }, null])],
    ["the API answers 200 with an empty body", { status: 200, body: "" }],
  ] as const)("refuses the sign-in when %s: it listed 0 organizations", async (_case, answer) => {
    const server = await startPolar({ organizations: answer });
    const { config, configuration } = setup(server, "none", "openid organizations:read");
    const error = await failureOf(config, configuration);
    expect(error).toBeInstanceOf(PolarLoginError);
    expect(error).toMatchObject({
      failure: "organization_unresolved",
      detail: "the organizations API listed 0 organizations, expected 1",
    });
  });

  it("introspection without an organizations list: the log detail says it listed none", async () => {
    const server = await startPolar({
      introspect: { status: 200, body: { active: true, sub_type: "user", sub: "alice" } },
    });
    const { config, configuration } = setup(server, "client_secret_post", "openid");
    const error = await failureOf(config, configuration);
    expect(error).toMatchObject({
      failure: "organization_unresolved",
      detail: "introspection listed no organizations, expected 1",
    });
  });

  it("a failed introspection fails the sign-in, the log detail naming the step", async () => {
    const server = await startPolar({
      introspect: { status: 500, body: { error: "server_error" } },
    });
    const { config, configuration } = setup(server, "client_secret_post", "openid");
    const error = await failureOf(config, configuration);
    expect(error).toBeInstanceOf(PolarLoginError);
    expect(error).toMatchObject({
      failure: "token_exchange_failed",
      status: 400,
      detail: "introspection: OAUTH_RESPONSE_IS_NOT_CONFORM (500 from /v1/oauth2/introspect)",
    });
  });

  it("introspection's organization is kept when the API does not list it (id only)", async () => {
    const server = await startPolar({
      introspect: introspection([ACME.id]),
      organizations: listing([{ id: "other", name: "Other", slug: "other" }]),
    });
    const { config, configuration } = setup(
      server,
      "client_secret_post",
      "openid organizations:read",
    );
    expect(
      await resolveOrganization(config, configuration, TOKEN, config.scopes, undefined),
    ).toEqual({ id: ACME.id });
  });

  it("the organizations call gives up after the configured timeoutMs", async () => {
    const server = await startLocalServer(() => "hang");
    polar = server;
    const { config, configuration } = setup(server, "none", "openid organizations:read", 200);
    const error = await failureOf(config, configuration);
    expect(error).toMatchObject({
      failure: "polar_unreachable",
      detail: `Polar server unreachable at ${server.url}: no answer within 200 ms.`,
    });
  });

  it("the organizations call goes through the app's fetch (a proxy, say)", async () => {
    const server = await startPolar({});
    const proxied = await startLocalServer(() => listing([ACME]));
    const { config, configuration } = setup(server, "none", "openid organizations:read");
    const viaProxy: typeof fetch = (input, init) =>
      fetch(String(input).replace(server.url, proxied.url), init);
    try {
      expect(
        await resolveOrganization(config, configuration, TOKEN, config.scopes, viaProxy),
      ).toEqual(ACME);
      expect(server.requests).toHaveLength(0);
    } finally {
      await proxied.close();
    }
  });

  it("a refusal from the organizations API fails the sign-in with a 4xx, never the token", async () => {
    const server = await startPolar({
      organizations: { status: 403, body: { error: "insufficient_scope" } },
    });
    const { config, configuration } = setup(server, "none", "openid organizations:read");
    const error = await failureOf(config, configuration);
    expect(error).toBeInstanceOf(PolarLoginError);
    expect(error.status).toBeLessThan(500);
    expect(error.failure).toBe("token_exchange_failed");
    expect(error.detail).toBe("organizations: POLAR_API_ERROR");
    expect(`${error.message} ${error.detail}`).not.toContain(TOKEN);
  });

  it("Polar rate limiting the organizations API: polar_rate_limited, 429, with its Retry-After", async () => {
    const server = await startPolar({
      organizations: { status: 429, headers: { "retry-after": "30" }, body: "slow down" },
    });
    const { config, configuration } = setup(server, "none", "openid organizations:read");
    const error = await failureOf(config, configuration);
    expect(error).toBeInstanceOf(PolarLoginError);
    expect(error).toMatchObject({
      failure: "polar_rate_limited",
      status: 429,
      retryAfterSeconds: 30,
      message: "Polar is rate limiting sign-ins. Retry after 30 s.",
    });
  });

  it("an organizations API that cannot be reached: polar_unreachable, naming the server", async () => {
    const server = await startPolar({});
    const { config, configuration } = setup(server, "none", "openid organizations:read");
    await server.close();
    polar = undefined;
    const error = await failureOf(config, configuration);
    expect(error).toBeInstanceOf(PolarLoginError);
    expect(error).toMatchObject({ failure: "polar_unreachable", status: 400 });
    expect(error.detail).toBe(
      `Polar server unreachable at ${server.url}: connection failed (ECONNREFUSED).`,
    );
  });
});

describe("the organization in the session", () => {
  const data: SessionData = {
    v: 1,
    sid: "s",
    cid: "polar_ci_org",
    user: { sub: "alice" },
    subType: "organization",
    org: { ...ACME },
    scope: "openid organizations:read",
    accessToken: TOKEN,
    expiresAt: 2,
    createdAt: 1,
    touchedAt: 1,
  };

  it("is a copy in the app's view, and a malformed one makes the seal's value invalid", () => {
    const view = toPolarSession(data);
    expect(view.organization).toEqual(ACME);
    view.organization!.name = "changed";
    expect(data.org?.name).toBe("Acme Inc");
    expect(isSessionData(data)).toBe(true);
    expect(isSessionData({ ...data, org: { name: "no id" } })).toBe(false);
    expect(toPolarSession({ ...data, org: undefined, subType: "user" }).organization).toBe(
      undefined,
    );
  });
});
