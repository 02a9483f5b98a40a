import * as sdk from "@polar-sh/sdk/2026-10";
import { afterEach, describe, expect, it } from "vitest";
import { createPolarApi, type PolarApiBinding } from "../src/api/client.js";
import { scopeOf } from "../src/api/scope-of.js";
import { loadPolarSdk } from "../src/api/sdk.js";
import { PolarConfigError, PolarInsufficientScopeError } from "../src/errors.js";
import { PolarSessionEndedError } from "../src/flow/refresh.js";
import { POLAR_SERVERS } from "../src/server/polar-servers.js";
import { type Answer, type LocalServer, startLocalServer } from "./support/local-server.js";

const ORG = "ac3e0000-0000-4000-8000-00000000a001";
const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function polarServer(answer: (path: string) => Answer): Promise<LocalServer> {
  const server = await startLocalServer((request) => answer(request.url));
  servers.push(server);
  return server;
}

const EMPTY_LIST: Answer = {
  status: 200,
  body: { items: [], pagination: { total_count: 0, max_page: 0 } },
};

/** A binding whose token changes when the test says so, counting what the API asked for. */
function binding(server: LocalServer, overrides: Partial<PolarApiBinding> = {}) {
  const state = { token: "polar_at_u_first", tokenReads: 0, ended: [] as string[] };
  const bound: PolarApiBinding = {
    server: { kind: "custom", url: server.url, metadata: undefined },
    organizationId: () => undefined,
    getAccessToken: async () => {
      state.tokenReads++;
      return state.token;
    },
    grantedScopes: () => ["openid", "organizations:read"],
    endSession: async (reason) => {
      state.ended.push(reason);
      return new PolarSessionEndedError(reason);
    },
    ...overrides,
  };
  return { state, bound };
}

describe("polar.api: the SDK bound to a session", () => {
  it("asks for the token at every call (a rotated token is used at once) and sends it to the configured server", async () => {
    const server = await polarServer(() => EMPTY_LIST);
    const { state, bound } = binding(server);
    const api = createPolarApi(bound);
    void api.organizations.list;
    expect(state.tokenReads).toBe(0); // nothing happens before a call
    await api.organizations.list();
    state.token = "polar_at_u_rotated";
    await api.products.list({ organization_id: ORG });
    expect(state.tokenReads).toBe(2);
    expect(server.requests.map((r) => [r.url.split("?")[0], r.headers.authorization])).toEqual([
      ["/v1/organizations/", "Bearer polar_at_u_first"],
      ["/v1/products/", "Bearer polar_at_u_rotated"],
    ]);
    expect(server.requests[0]!.headers["polar-version"]).toBe("2026-10");
    expect(server.requests[0]!.headers["polar-organization"]).toBeUndefined();
  });

  it("an organization sign-in sends its organization as Polar-Organization", async () => {
    const server = await polarServer(() => EMPTY_LIST);
    const api = createPolarApi(binding(server, { organizationId: () => ORG }).bound);
    await api.subscriptions.list();
    expect(server.requests[0]!.headers["polar-organization"]).toBe(ORG);
  });

  it("Polar's hosted servers go by environment, any other server by baseUrl", async () => {
    const seen: Array<Record<string, unknown>> = [];
    const load = async () => ({
      createPolar: ((options: Parameters<typeof sdk.createPolar>[0]) => {
        seen.push({ ...options });
        return sdk.createPolar(options);
      }) as typeof sdk.createPolar,
    });
    const server = await polarServer(() => EMPTY_LIST);
    await createPolarApi({ ...binding(server).bound, load }).organizations.list();
    expect(seen[0]).toMatchObject({ baseUrl: server.url });
    const sandbox = createPolarApi({
      ...binding(server).bound,
      server: POLAR_SERVERS.sandbox,
      load: async () => ({
        createPolar: ((options) => {
          seen.push({ ...options });
          throw new Error("stop before the network");
        }) as typeof sdk.createPolar,
      }),
    });
    await expect(sandbox.organizations.list()).rejects.toThrow("stop before the network");
    expect(seen[1]).toMatchObject({ environment: "sandbox" });
    expect(seen[1]).not.toHaveProperty("baseUrl");
  });

  it("a 401 from Polar ends the session: the call throws SESSION_ENDED", async () => {
    const server = await polarServer(() => ({
      status: 401,
      body: { error: "invalid_token", error_description: "expired" },
    }));
    const { state, bound } = binding(server);
    const error = await createPolarApi(bound)
      .organizations.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolarSessionEndedError);
    expect((error as PolarSessionEndedError).code).toBe("SESSION_ENDED");
    expect(state.ended).toHaveLength(1);
  });

  it("a 403 insufficient_scope names the scope to add; other errors are the SDK's own", async () => {
    const server = await polarServer((path) =>
      path.startsWith("/v1/products/")
        ? { status: 403, body: { error: "insufficient_scope", error_description: "…" } }
        : { status: 404, body: { error: "ResourceNotFound", detail: "Not found" } },
    );
    const { state, bound } = binding(server);
    const api = createPolarApi(bound);
    const refused = await api.products.list().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PolarInsufficientScopeError);
    expect(refused).toMatchObject({
      code: "INSUFFICIENT_SCOPE",
      operation: "products.list",
      requiredScope: "products:read",
      grantedScopes: ["openid", "organizations:read"],
    });
    expect((refused as Error).message).toBe(
      "Polar refused products.list: the session was not granted products:read. Add products:read to POLAR_SCOPES (and to the client's scopes), then sign in again. (see @polar-oauth/core/ERRORS.md#insufficient_scope)",
    );
    const missing = await api.organizations.get(ORG).catch((e: unknown) => e);
    expect(missing).toMatchObject({ statusCode: 404, name: "ResourceNotFound" });
    expect(state.ended).toEqual([]);
    expect(JSON.stringify(refused)).not.toContain("polar_at_u_first");
  });

  it.each([
    ["NotPermitted", { status: 403, body: { error: "NotPermitted", detail: "Not permitted" } }],
    ["a detail only", { status: 403, body: { detail: "Forbidden" } }],
    ["an HTML page (a proxy)", { status: 403, body: "<html>Forbidden</html>" }],
  ])(
    "a 403 with %s is not insufficient_scope: the SDK's own error, nobody told to add a scope _guard_",
    async (_, answer) => {
      const server = await polarServer(() => answer as Answer);
      const { state, bound } = binding(server);
      const error = await createPolarApi(bound)
        .products.list()
        .catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(PolarInsufficientScopeError);
      expect(error).toMatchObject({ statusCode: 403 });
      expect(String((error as Error).message)).not.toMatch(/POLAR_SCOPES/);
      expect(state.ended).toEqual([]);
    },
  );

  it("signed out: getAccessToken's SESSION_ENDED reaches the caller and nothing is sent", async () => {
    const server = await polarServer(() => EMPTY_LIST);
    const api = createPolarApi(
      binding(server, {
        getAccessToken: async () => {
          throw new PolarSessionEndedError("not signed in");
        },
      }).bound,
    );
    await expect(api.orders.list()).rejects.toMatchObject({ code: "SESSION_ENDED" });
    expect(server.requests).toHaveLength(0);
  });

  it("iterList pages through with the session's token; the client is not a thenable", async () => {
    const server = await polarServer((path) => {
      const page = Number(new URL(path, "http://x").searchParams.get("page"));
      return {
        status: 200,
        body: { items: [{ id: `org-${page}` }], pagination: { total_count: 2, max_page: 2 } },
      };
    });
    const api = createPolarApi(binding(server).bound);
    const ids: string[] = [];
    for await (const org of api.organizations.iterList()) ids.push(org.id);
    expect(ids).toEqual(["org-1", "org-2"]);
    expect((api as unknown as { then?: unknown }).then).toBeUndefined();
    expect(await Promise.resolve(api)).toBe(api);
  });
});

describe("the optional @polar-sh/sdk", () => {
  it("a missing SDK is a config error that says what to install", async () => {
    const error = await loadPolarSdk("@polar-sh/sdk-not-installed").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolarConfigError);
    expect((error as PolarConfigError).issues[0]).toMatchObject({ variable: "@polar-sh/sdk" });
    expect((error as Error).message).toContain("npm install @polar-sh/sdk@^1.0.1");
  });

  it("loads the pinned API version", async () => {
    expect((await loadPolarSdk()).createPolar).toBe(sdk.createPolar);
  });
});

describe("scopeOf: the scope Polar checks for an SDK call", () => {
  it.each([
    ["organizations", "list", "organizations:read"],
    ["products", "get", "products:read"],
    ["products", "iterList", "products:read"],
    ["products", "update", "products:write"],
    ["checkoutLinks", "list", "checkout_links:read"],
    ["licenseKeys", "get", "license_keys:read"],
    ["benefitGrants", "list", undefined],
  ])("%s.%s → %s", (service, method, scope) => {
    expect(scopeOf(service, method)).toBe(scope);
  });
});
