import { describe, expect, it } from "vitest";
import { completeAuthorization, EmulatorApiError, POLAR_SCOPES } from "../src/index.js";
import type { Emulator } from "../src/types.js";
import {
  authorizeUrl,
  emulator,
  introspect,
  postForm,
  REDIRECT_URI,
  redeemCode,
  register,
  registerOk,
  userinfo,
  webSession,
} from "./helpers.js";

const ALICE_PAT = "polar_pat_emulator_alice";
const BOB_PAT = "polar_pat_emulator_bob";
const NOT_PERMITTED = { error: "NotPermitted", detail: "Not permitted" };

describe("redirect URI rules", () => {
  const rejected = [
    "http://example.com/callback",
    "http://localhost.evil/callback",
    "http://localhostevil/callback",
    "http://localhost./callback",
    "http://8.8.8.8/callback",
    // Python 3.14's is_private leaves these two out of 192.0.0.0/24 (Lib/ipaddress.py).
    "http://192.0.0.9/callback",
    "http://192.0.0.10/callback",
    "http://[::1]/callback",
    "not a url",
    "/relative/callback",
  ];
  it.each(rejected)("rejects %s with 422 naming the field", async (uri) => {
    const emu = await emulator({ rateLimits: false });
    const result = await register(emu, {
      client_name: "App",
      redirect_uris: ["https://ok.example.com/cb", uri],
    });
    expect(result.status).toBe(422);
    const detail = result.body.detail as Array<{ loc: unknown[]; msg: string }>;
    expect(detail).toHaveLength(1);
    expect(detail[0]?.loc).toEqual(["body", "redirect_uris", 1]);
    expect(typeof detail[0]?.msg).toBe("string");
  });

  const accepted: Array<[string, string]> = [
    ["https://example.com/auth/callback", "https://example.com/auth/callback"],
    ["https://Example.COM", "https://example.com/"],
    ["HTTPS://EXAMPLE.com/Path", "https://example.com/Path"],
    ["http://localhost:3000/callback", "http://localhost:3000/callback"],
    ["http://LOCALHOST:3000/cb", "http://localhost:3000/cb"],
    ["http://app.localhost/cb", "http://app.localhost/cb"],
    ["http://127.0.0.1:8000/callback", "http://127.0.0.1:8000/callback"],
    ["http://192.168.1.20/cb", "http://192.168.1.20/cb"],
    ["http://10.0.0.5:8080/cb", "http://10.0.0.5:8080/cb"],
    ["http://172.16.0.1/cb", "http://172.16.0.1/cb"],
    ["myapp://callback", "myapp://callback"],
    // Polar's AnyUrl keeps userinfo, and nothing in its code rejects it (schemas.py).
    ["https://user@example.com/callback", "https://user@example.com/callback"],
    ["http://169.254.1.1/cb", "http://169.254.1.1/cb"],
    // The rest of 192.0.0.0/24 is private in Python 3.14 (older Pythons had only /29 and .170/31).
    ["http://192.0.0.100/cb", "http://192.0.0.100/cb"],
    // urlparse gives an empty fragment, which Authlib's is_valid_url lets through.
    ["https://example.com/cb#", "https://example.com/cb#"],
  ];
  it.each(accepted)("accepts %s and stores %s", async (uri, stored) => {
    const emu = await emulator({ rateLimits: false });
    const result = await register(emu, { client_name: "App", redirect_uris: [uri] });
    expect(result.status).toBe(201);
    expect(result.body.redirect_uris).toEqual([stored]);
  });

  // Past Polar's schema, Authlib 1.7.2's ClientMetadataClaims wants a host and no fragment
  // (authlib/common/urls.py is_valid_url(uri, fragments_allowed=False)).
  const refusedByAuthlib: Array<[string, Record<string, unknown>, string]> = [
    ["a custom scheme without host", { redirect_uris: ["com.example.app:/cb"] }, "redirect_uris"],
    [
      "a redirect URI with a fragment",
      { redirect_uris: ["https://example.com/callback#fragment"] },
      "redirect_uris",
    ],
    ["javascript:", { redirect_uris: ["javascript:alert(1)"] }, "redirect_uris"],
    ["client_uri that is not a URL", { client_uri: "not a url" }, "client_uri"],
    ["logo_uri with a fragment", { logo_uri: "https://example.com/logo.png#x" }, "logo_uri"],
    ["tos_uri with a fragment", { tos_uri: "https://example.com/tos#top" }, "tos_uri"],
    ["policy_uri with a fragment", { policy_uri: "https://example.com/privacy#a" }, "policy_uri"],
  ];
  it.each(refusedByAuthlib)(
    "refuses %s with 400 invalid_client_metadata, Invalid claim: '%s'",
    async (_what, fields, claim) => {
      const emu = await emulator({ rateLimits: false });
      const body = { client_name: "App", redirect_uris: ["https://ok.example.com/cb"], ...fields };
      const result = await register(emu, body);
      expect(result).toMatchObject({
        status: 400,
        body: { error: "invalid_client_metadata", error_description: `Invalid claim: '${claim}'` },
      });
    },
  );

  it("accepts redirect_uris: [] and ignores unknown fields, a client_secret included", async () => {
    const emu = await emulator({ rateLimits: false });
    const result = await register(emu, {
      client_name: "App",
      redirect_uris: [],
      client_secret: "polar_cs_chosen_by_the_caller",
      color: "blue",
    });
    expect(result.status).toBe(201);
    expect(result.body.redirect_uris).toEqual([]);
    expect(result.body.client_secret).not.toBe("polar_cs_chosen_by_the_caller");
    expect(result.body).not.toHaveProperty("color");
  });

  it("authorize matches the stored (normalised) value exactly", async () => {
    const emu = await emulator();
    const app = await registerOk(emu, { redirect_uris: ["https://Example.com"] });
    const ok = await completeAuthorization(
      authorizeUrl(emu, app, { redirect_uri: "https://example.com/" }),
    );
    expect(ok.redirectTo.searchParams.get("code")).toBeTruthy();
    await expect(
      completeAuthorization(authorizeUrl(emu, app, { redirect_uri: "https://example.com" })),
    ).rejects.toMatchObject({
      status: 200, // Polar's page shows the API's 400 as an error page
      error: "invalid_request",
    });
  });

  it("a custom-scheme redirect URI works end to end", async () => {
    const emu = await emulator();
    const app = await registerOk(emu, {
      redirect_uris: ["myapp://callback"],
      token_endpoint_auth_method: "none",
    });
    const verifier = "m".repeat(43);
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, app, { redirect_uri: "myapp://callback", code_challenge: verifier }),
    );
    expect(redirectTo.protocol).toBe("myapp:");
    expect(redirectTo.searchParams.get("code")).toMatch(/^polar_ac_/);
  });
});

describe("registration", () => {
  it("answers 201 with Polar's fields, prefixes and defaults", async () => {
    const emu = await emulator();
    const result = await register(emu, {
      client_name: "My App",
      redirect_uris: ["https://example.com/auth/callback"],
      client_uri: "https://example.com",
      logo_uri: "https://example.com/logo.png",
      tos_uri: "https://example.com/terms",
      policy_uri: "https://example.com/privacy",
      default_sub_type: "organization",
      jwks_uri: "https://ignored.example.com",
    });
    expect(result.status).toBe(201);
    const body = result.body;
    expect(body.client_id).toMatch(/^polar_ci_[A-Za-z0-9]{43}$/);
    expect(body.client_secret).toMatch(/^polar_cs_[A-Za-z0-9]{43}$/);
    expect(body.registration_access_token).toMatch(/^polar_crt_[A-Za-z0-9]{43}$/);
    expect(body.registration_client_uri).toBe(`${emu.url}/v1/oauth2/register/${body.client_id}`);
    expect(body.client_secret_expires_at).toBe(0);
    expect(Math.abs(Number(body.client_id_issued_at) - Date.now() / 1000)).toBeLessThan(5);
    expect(body).toMatchObject({
      client_name: "My App",
      client_uri: "https://example.com",
      logo_uri: "https://example.com/logo.png",
      token_endpoint_auth_method: "client_secret_post",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      scope: POLAR_SCOPES.join(" "),
    });
    expect(body).not.toHaveProperty("default_sub_type");
    expect(body).not.toHaveProperty("jwks_uri");
  });

  it("a public client gets no client_secret", async () => {
    const emu = await emulator();
    const result = await register(emu, {
      client_name: "SPA",
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "none",
    });
    expect(result.status).toBe(201);
    expect(result.body).not.toHaveProperty("client_secret");
    expect(result.body).not.toHaveProperty("client_secret_expires_at");
  });

  it("an unknown scope is 400 invalid_client_metadata; a narrower scope is kept", async () => {
    const emu = await emulator();
    const bad = await register(emu, {
      client_name: "A",
      redirect_uris: [REDIRECT_URI],
      scope: "openid products:delete",
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: "invalid_client_metadata",
      error_description: "Invalid claim: 'scope'",
    });
    const good = await register(emu, {
      client_name: "A",
      redirect_uris: [REDIRECT_URI],
      scope: "openid  email",
    });
    expect(good.body.scope).toBe("openid email");
  });

  it.each([
    [{ redirect_uris: [REDIRECT_URI] }, ["body", "client_name"], "missing"],
    [{ client_name: "A" }, ["body", "redirect_uris"], "missing"],
    [{ client_name: "A", redirect_uris: REDIRECT_URI }, ["body", "redirect_uris"], "list_type"],
    [{ client_name: 5, redirect_uris: [REDIRECT_URI] }, ["body", "client_name"], "string_type"],
    [
      {
        client_name: "A",
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: "private_key_jwt",
      },
      ["body", "token_endpoint_auth_method"],
      "literal_error",
    ],
    [
      { client_name: "A", redirect_uris: [REDIRECT_URI], grant_types: ["implicit"] },
      ["body", "grant_types", 0],
      "literal_error",
    ],
    [
      { client_name: "A", redirect_uris: [REDIRECT_URI], response_types: ["token"] },
      ["body", "response_types", 0],
      "literal_error",
    ],
    [
      { client_name: "A", redirect_uris: [REDIRECT_URI], logo_uri: "ftp://x/logo.png" },
      ["body", "logo_uri"],
      "url_scheme",
    ],
    [
      { client_name: "A", redirect_uris: [REDIRECT_URI], default_sub_type: "team" },
      ["body", "default_sub_type"],
      "enum",
    ],
  ])("schema error %j → 422 at %j", async (body, loc, type) => {
    const emu = await emulator({ rateLimits: false });
    const result = await register(emu, body);
    expect(result.status).toBe(422);
    expect(result.body.detail).toEqual([expect.objectContaining({ loc, type })]);
  });

  it("malformed JSON is 400 invalid_request", async () => {
    const emu = await emulator();
    for (const body of ["{oops", "", "[]", "null", '"text"']) {
      const result = await register(emu, body);
      expect(result.status, body).toBe(400);
      expect(result.body.error).toBe("invalid_request");
    }
  });

  it("registerClient() does what POST does, and throws EmulatorApiError on a 4xx", async () => {
    const emu = await emulator();
    const created = await emu.registerClient(
      { client_name: "Lib", redirect_uris: [REDIRECT_URI] },
      { owner: "alice@example.com" },
    );
    expect(created.client_id).toMatch(/^polar_ci_/);
    const listed = await list(emu, { cookie: await webSession(emu, "alice@example.com") });
    expect((listed.body.items as Array<{ client_id: string }>).map((i) => i.client_id)).toEqual([
      created.client_id,
    ]);
    const failure = await emu
      .registerClient({ client_name: "Bad", redirect_uris: ["http://example.com/cb"] })
      .catch((e) => e);
    expect(failure).toBeInstanceOf(EmulatorApiError);
    expect(failure).toMatchObject({ status: 422 });
  });

  it("refuses API tokens like Polar: a PAT or an OAuth access token → 403 NotPermitted, an unknown token → 401 invalid_token", async () => {
    const emu = await emulator({ rateLimits: false });
    const metadata = { client_name: "A", redirect_uris: [REDIRECT_URI] };
    const pat = await register(emu, metadata, { authorization: `Bearer ${ALICE_PAT}` });
    expect(pat.status).toBe(403);
    expect(pat.body).toEqual(NOT_PERMITTED);

    const app = await registerOk(emu);
    const { redirectTo } = await completeAuthorization(authorizeUrl(emu, app));
    const tokens = (await redeemCode(emu, app, redirectTo.searchParams.get("code")!)).body;
    const oauth = await register(emu, metadata, { authorization: `Bearer ${tokens.access_token}` });
    expect(oauth.status).toBe(403);
    expect(oauth.body).toEqual(NOT_PERMITTED);

    const unknown = await register(emu, metadata, { authorization: "Bearer polar_pat_nobody" });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe("invalid_token");
    expect(unknown.headers.get("www-authenticate")).toMatch(/^Bearer realm="polar"/);
  });

  it("a registration token counts as anonymous; a web session registers a client that user owns", async () => {
    const emu = await emulator({ rateLimits: false });
    const first = await registerOk(emu);
    const withToken = await registerOk(
      emu,
      { client_name: "Second" },
      { authorization: `Bearer ${first.registration_access_token}` },
    );
    expect(withToken.client_id).not.toBe(first.client_id);

    const cookie = await webSession(emu, "bob@example.com");
    const owned = await registerOk(emu, { client_name: "Bob's" }, { cookie });
    const bobs = await list(emu, { cookie });
    expect((bobs.body.items as Array<{ client_id: string }>).map((i) => i.client_id)).toEqual([
      owned.client_id,
    ]);
  });
});

function manage(
  emu: Emulator,
  clientId: string,
  method: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return fetch(`${emu.url}/v1/oauth2/register/${clientId}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
}

async function list(emu: Emulator, headers: Record<string, string>, query = "") {
  const response = await fetch(`${emu.url}/v1/oauth2/${query}`, { headers });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

describe("RFC 7592 client configuration", () => {
  it("answers 400 access_denied without a credential and 401 invalid_client for a wrong, foreign or unknown one", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const other = await registerOk(emu, { client_name: "Other" });

    const none = await manage(emu, app.client_id, "GET");
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: string }).error).toBe("access_denied");

    for (const [clientId, token] of [
      [app.client_id, "polar_crt_wrong"],
      [app.client_id, other.registration_access_token],
      ["polar_ci_unknown", app.registration_access_token],
    ] as const) {
      const response = await manage(emu, clientId, "GET", token);
      expect(response.status, `${clientId} ${token}`).toBe(401);
      expect(((await response.json()) as { error: string }).error).toBe("invalid_client");
    }
  });

  it("refuses a PAT with 403 NotPermitted on GET, PUT and DELETE, even the owner's", async () => {
    const emu = await emulator();
    const app = await emu.registerClient(
      { client_name: "Owned", redirect_uris: [REDIRECT_URI] },
      { owner: "alice@example.com" },
    );
    for (const method of ["GET", "PUT", "DELETE"]) {
      const body =
        method === "PUT"
          ? { client_id: app.client_id, client_name: "X", redirect_uris: [REDIRECT_URI] }
          : undefined;
      const response = await manage(emu, app.client_id, method, ALICE_PAT, body);
      expect(response.status, method).toBe(403);
      expect(await response.json()).toEqual(NOT_PERMITTED);
    }
    expect((await manage(emu, app.client_id, "GET", app.registration_access_token)).status).toBe(
      200,
    );
  });

  it("GET returns the configuration with the secret of a confidential client; the owner's web session also works", async () => {
    const emu = await emulator();
    const app = await emu.registerClient(
      { client_name: "Test App", redirect_uris: [REDIRECT_URI] },
      { owner: "alice@example.com" },
    );
    const alice = await webSession(emu, "alice@example.com");
    for (const [token, headers] of [
      [app.registration_access_token, {}],
      [undefined, { cookie: alice }],
    ] as const) {
      const response = await manage(emu, app.client_id, "GET", token, undefined, headers);
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        client_id: app.client_id,
        client_secret: app.client_secret,
        client_name: "Test App",
        redirect_uris: [REDIRECT_URI],
        registration_access_token: app.registration_access_token,
        registration_client_uri: app.registration_client_uri,
      });
    }
    const bob = await webSession(emu, "bob@example.com");
    const foreign = await manage(emu, app.client_id, "GET", undefined, undefined, { cookie: bob });
    expect(foreign.status).toBe(401);

    const publicApp = await registerOk(emu, { token_endpoint_auth_method: "none" });
    const read = await manage(emu, publicApp.client_id, "GET", publicApp.registration_access_token);
    const body = (await read.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty("client_secret");
    expect(body).not.toHaveProperty("client_secret_expires_at");
  });

  it("PUT must repeat client_id and merges over the stored metadata: URI fields stay, others fall back to defaults", async () => {
    const emu = await emulator();
    const app = await registerOk(emu, {
      scope: "openid email",
      logo_uri: "https://example.com/logo.png",
      client_uri: "https://example.com",
      token_endpoint_auth_method: "client_secret_basic",
    });
    const token = app.registration_access_token;
    const missingId = await manage(emu, app.client_id, "PUT", token, {
      client_name: "X",
      redirect_uris: [REDIRECT_URI],
    });
    expect(missingId.status).toBe(422);
    const wrongId = await manage(emu, app.client_id, "PUT", token, {
      client_id: "polar_ci_other",
      client_name: "X",
      redirect_uris: [REDIRECT_URI],
    });
    expect(wrongId.status).toBe(400);
    expect(((await wrongId.json()) as { error: string }).error).toBe("invalid_request");
    const badUri = await manage(emu, app.client_id, "PUT", token, {
      client_id: app.client_id,
      client_name: "X",
      redirect_uris: ["http://example.com/cb"],
    });
    expect(badUri.status).toBe(422);

    const updated = await manage(emu, app.client_id, "PUT", token, {
      client_id: app.client_id,
      client_name: "Renamed",
      redirect_uris: [REDIRECT_URI, "https://staging.example.com/callback"],
      logo_uri: null,
    });
    expect(updated.status).toBe(200);
    const body = (await updated.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      client_name: "Renamed",
      redirect_uris: [REDIRECT_URI, "https://staging.example.com/callback"],
      scope: POLAR_SCOPES.join(" "),
      token_endpoint_auth_method: "client_secret_post",
      registration_access_token: token,
      client_secret: app.client_secret,
      // Omitted or null: Polar cannot clear them.
      logo_uri: "https://example.com/logo.png",
      client_uri: "https://example.com",
    });
    expect((await manage(emu, app.client_id, "GET", token)).status).toBe(200);
    // The new redirect URI is usable immediately, and the secret did not change.
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, app, { redirect_uri: "https://staging.example.com/callback" }),
    );
    expect(redirectTo.host).toBe("staging.example.com");
  });

  it("DELETE is a soft delete: 204, the client is gone for reads, tokens and sign-in, but issued access tokens keep working", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const { redirectTo } = await completeAuthorization(authorizeUrl(emu, app));
    const tokens = (await redeemCode(emu, app, redirectTo.searchParams.get("code")!)).body;
    expect((await userinfo(emu, String(tokens.access_token))).status).toBe(200);

    const deleted = await manage(emu, app.client_id, "DELETE", app.registration_access_token);
    expect(deleted.status).toBe(204);
    // Polar's get_by_access_token does not look at the client: the token still authenticates.
    expect((await userinfo(emu, String(tokens.access_token))).status).toBe(200);
    expect((await manage(emu, app.client_id, "GET", app.registration_access_token)).status).toBe(
      401,
    );
    expect((await manage(emu, app.client_id, "DELETE", app.registration_access_token)).status).toBe(
      401,
    );
    const afterwards = await fetch(authorizeUrl(emu, app), { redirect: "manual" });
    expect(afterwards.status).toBe(200); // the page's error, for the API's 400 invalid_client
    expect(await afterwards.text()).toContain("invalid_client");
    // Refresh, introspection and revocation authenticate the client, which no longer exists.
    const refreshed = await postForm(emu, "/v1/oauth2/token", {
      grant_type: "refresh_token",
      refresh_token: String(tokens.refresh_token),
      client_id: app.client_id,
      client_secret: app.client_secret ?? "",
    });
    // Authlib's _validate_client: an unknown client id in the body is 400.
    expect(refreshed).toMatchObject({
      status: 400,
      body: {
        error: "invalid_client",
        error_description: "The client does not exist on this server.",
      },
    });
    expect(await introspect(emu, app, String(tokens.access_token))).toMatchObject({
      error: "invalid_client",
    });
  });
});

describe("client list GET /v1/oauth2/", () => {
  it("lists only the signed-in user's clients, newest first, with pagination; deleted ones are hidden", async () => {
    const emu = await emulator({ rateLimits: false });
    const names = ["one", "two", "three", "deleted"];
    const bob = await webSession(emu, "bob@example.com");
    const created = [];
    for (const name of names)
      created.push(await registerOk(emu, { client_name: name }, { cookie: bob }));
    const gone = created.at(-1)!;
    expect(
      (await manage(emu, gone.client_id, "DELETE", gone.registration_access_token)).status,
    ).toBe(204);
    await emu.registerClient(
      { client_name: "alice's", redirect_uris: [REDIRECT_URI] },
      { owner: "alice@example.com" },
    );
    await registerOk(emu, { client_name: "anonymous" });

    const page1 = await list(emu, { cookie: bob }, "?page=1&limit=2");
    expect(page1.status).toBe(200);
    expect((page1.body.items as Array<{ client_name: string }>).map((i) => i.client_name)).toEqual([
      "three",
      "two",
    ]);
    expect(page1.body.pagination).toEqual({ total_count: 3, max_page: 2 });
    const page2 = await list(emu, { cookie: bob }, "?page=2&limit=2");
    expect((page2.body.items as Array<{ client_name: string }>).map((i) => i.client_name)).toEqual([
      "one",
    ]);
    const item = (page2.body.items as Array<Record<string, unknown>>)[0];
    expect(item).toMatchObject({
      client_id: expect.stringMatching(/^polar_ci_/),
      logo_uri: null,
      created_at: expect.any(String),
    });

    const alice = await list(emu, { cookie: await webSession(emu, "alice@example.com") });
    expect((alice.body.items as Array<{ client_name: string }>).map((i) => i.client_name)).toEqual([
      "alice's",
    ]);
    const carol = await list(emu, { cookie: await webSession(emu, "carol@example.com") });
    expect(carol.body).toEqual({ items: [], pagination: { total_count: 0, max_page: 0 } });
  });

  it("needs a web session: nothing → 401 Unauthorized, a PAT → 403 NotPermitted; validates page and limit", async () => {
    const emu = await emulator();
    const anonymous = await list(emu, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ error: "Unauthorized", detail: "Unauthorized" });
    expect(anonymous.headers.get("www-authenticate")).toBe('Bearer realm="polar"');
    const app = await registerOk(emu);
    const withToken = await list(emu, { authorization: `Bearer ${app.registration_access_token}` });
    expect(withToken.body).toEqual({ error: "Unauthorized", detail: "Unauthorized" });
    const pat = await list(emu, { authorization: `Bearer ${BOB_PAT}` });
    expect(pat.status).toBe(403);
    expect(pat.body).toEqual(NOT_PERMITTED);
    expect((await list(emu, { authorization: "Bearer polar_pat_nobody" })).status).toBe(401);
    const cookie = await webSession(emu, "bob@example.com");
    // Polar caps the limit (kit/pagination.py min(API_PAGINATION_MAX_LIMIT, limit)).
    expect(await list(emu, { cookie }, "?limit=101")).toMatchObject({ status: 200 });
    expect((await list(emu, { cookie }, "?limit=0")).status).toBe(422);
    expect((await list(emu, { cookie }, "?page=0")).status).toBe(422);
    expect((await list(emu, { cookie }, "?limit=100")).status).toBe(200);
  });
});
