import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PolarDiscoveryError, PolarUnreachableError } from "../src/errors.js";
import { clearDiscoveryCache, getServerMetadata } from "../src/server/discovery.js";
import {
  POLAR_ISSUER,
  POLAR_SERVERS,
  type PolarServer,
  registrationEndpoints,
  resolvePolarServer,
} from "../src/server/polar-servers.js";
import {
  type Answer,
  type LocalServer,
  startLocalServer,
  unusedLocalUrl,
} from "./support/local-server.js";

describe("POLAR_SERVERS", () => {
  it.each([
    ["production", "https://api.polar.sh", "https://polar.sh/oauth2/authorize"],
    ["sandbox", "https://sandbox-api.polar.sh", "https://sandbox.polar.sh/oauth2/authorize"],
  ] as const)("%s: API %s, authorize page %s", (kind, api, authorize) => {
    const server = POLAR_SERVERS[kind];
    expect(server.kind).toBe(kind);
    expect(server.url).toBe(api);
    expect(server.metadata).toMatchObject({
      issuer: "https://polar.sh",
      authorization_endpoint: authorize,
      token_endpoint: `${api}/v1/oauth2/token`,
      userinfo_endpoint: `${api}/v1/oauth2/userinfo`,
      revocation_endpoint: `${api}/v1/oauth2/revoke`,
      introspection_endpoint: `${api}/v1/oauth2/introspect`,
      registration_endpoint: `${api}/v1/oauth2/register`,
      jwks_uri: `${api}/.well-known/jwks.json`,
    });
    expect(server.metadata?.scopes_supported).toContain("openid");
    expect(server.metadata?.code_challenge_methods_supported).toContain("S256");
  });

  it("names Polar's constant issuer", () => {
    expect(POLAR_ISSUER).toBe("https://polar.sh");
  });

  it("cannot be changed by a caller", () => {
    const production = POLAR_SERVERS.production as { url: string };
    expect(() => {
      production.url = "https://evil.example.com";
    }).toThrow(TypeError);
    const metadata = POLAR_SERVERS.sandbox.metadata as { token_endpoint: string };
    expect(() => {
      metadata.token_endpoint = "https://evil.example.com/token";
    }).toThrow(TypeError);
    expect(POLAR_SERVERS.production.url).toBe("https://api.polar.sh");
  });
});

describe("resolvePolarServer", () => {
  it.each([
    ["production", "production", "https://api.polar.sh"],
    ["sandbox", "sandbox", "https://sandbox-api.polar.sh"],
    ["http://127.0.0.1:4000", "custom", "http://127.0.0.1:4000"],
    ["http://127.0.0.1:4000///", "custom", "http://127.0.0.1:4000"],
    ["https://polar.example.com/base/", "custom", "https://polar.example.com/base"],
  ])("%s → %s at %s", (value, kind, url) => {
    expect(resolvePolarServer(value)).toMatchObject({ kind, url });
  });

  it.each([
    "Production",
    "",
    "polar.sh",
    "ftp://polar.example.com",
    "https://user:pw@polar.example.com",
    "https://polar.example.com/?q=1",
    "https://polar.example.com/#x",
  ])("refuses %j", (value) => {
    expect(resolvePolarServer(value)).toBeUndefined();
  });

  it("hangs the registration endpoints off the API URL", () => {
    const endpoints = registrationEndpoints(POLAR_SERVERS.sandbox);
    expect(endpoints.register).toBe("https://sandbox-api.polar.sh/v1/oauth2/register");
    expect(endpoints.client("polar_ci_a/b")).toBe(
      "https://sandbox-api.polar.sh/v1/oauth2/register/polar_ci_a%2Fb",
    );
    expect(endpoints.list).toBe("https://sandbox-api.polar.sh/v1/oauth2/");
  });
});

describe("getServerMetadata", () => {
  let local: LocalServer | undefined;
  /** What the discovery document route answers; replaced per test. */
  let answer: (base: string) => Answer | "hang";

  const documentFor = (base: string, issuer: string) => ({
    issuer,
    authorization_endpoint: `${base}/oauth2/authorize`,
    token_endpoint: `${base}/v1/oauth2/token`,
    userinfo_endpoint: `${base}/v1/oauth2/userinfo`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    scopes_supported: ["openid"],
  });

  async function startDiscoveryServer(): Promise<PolarServer> {
    local = await startLocalServer((request) =>
      request.url === "/.well-known/openid-configuration"
        ? answer(local!.url)
        : { status: 404, body: { detail: "Not Found" } },
    );
    return resolvePolarServer(local.url)!;
  }

  const discoveryRequests = () =>
    local!.requests.filter((r) => r.url === "/.well-known/openid-configuration").length;

  beforeEach(() => {
    clearDiscoveryCache();
    answer = (base) => ({ status: 200, body: documentFor(base, base) });
  });

  afterEach(async () => {
    await local?.close();
    local = undefined;
  });

  it("returns the shipped metadata for Polar's servers without any request", async () => {
    const fetchNothing = () => Promise.reject(new Error("no network in this test"));
    for (const server of [POLAR_SERVERS.production, POLAR_SERVERS.sandbox]) {
      const metadata = await getServerMetadata(server, { fetch: fetchNothing });
      expect(metadata).toBe(server.metadata);
    }
  });

  it("reads a custom server's discovery document whose issuer is its own URL", async () => {
    const server = await startDiscoveryServer();
    const metadata = await getServerMetadata(server);
    expect(metadata.issuer).toBe(server.url);
    expect(metadata.token_endpoint).toBe(`${server.url}/v1/oauth2/token`);
    expect(metadata.scopes_supported).toEqual(["openid"]);
    expect(Object.isFrozen(metadata)).toBe(true);
  });

  it("accepts its own URL with a trailing slash as issuer", async () => {
    answer = (base) => ({ status: 200, body: documentFor(base, `${base}/`) });
    const server = await startDiscoveryServer();
    await expect(getServerMetadata(server)).resolves.toMatchObject({ issuer: `${server.url}/` });
  });

  it("accepts Polar's constant issuer https://polar.sh (the real server's quirk)", async () => {
    answer = (base) => ({ status: 200, body: documentFor(base, POLAR_ISSUER) });
    const server = await startDiscoveryServer();
    await expect(getServerMetadata(server)).resolves.toMatchObject({ issuer: "https://polar.sh" });
  });

  it.each([
    "https://evil.example.com",
    "https://polar.sh.evil.example.com",
    "https://sandbox.polar.sh",
    "http://127.0.0.1:1",
  ])("refuses any other issuer (%s)", async (issuer) => {
    answer = (base) => ({ status: 200, body: documentFor(base, issuer) });
    const server = await startDiscoveryServer();
    const error = await getServerMetadata(server).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolarDiscoveryError);
    expect((error as PolarDiscoveryError).code).toBe("POLAR_DISCOVERY_FAILED");
    expect((error as Error).message).toContain(issuer);
    expect((error as Error).message).toContain(server.url);
  });

  it.each<[string, (base: string) => Answer, RegExp]>([
    [
      "a document without token_endpoint",
      (base) => ({ status: 200, body: { issuer: base } }),
      /token_endpoint/,
    ],
    ["an HTML page", () => ({ status: 200, body: "<html>Polar</html>" }), /not JSON/],
    ["a JSON array", () => ({ status: 200, body: [] }), /not an OpenID Provider configuration/],
    ["a 404", () => ({ status: 404, body: { detail: "Not Found" } }), /404/],
    ["a 500 without body", () => ({ status: 500 }), /500/],
  ])("refuses %s", async (_, reply, words) => {
    answer = reply;
    const server = await startDiscoveryServer();
    const error = await getServerMetadata(server).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolarDiscoveryError);
    expect((error as Error).message).toMatch(words);
    expect((error as Error).message).toContain("/.well-known/openid-configuration");
  });

  it("fetches the document once per process, even for concurrent callers", async () => {
    const server = await startDiscoveryServer();
    const [a, b] = await Promise.all([getServerMetadata(server), getServerMetadata(server)]);
    const c = await getServerMetadata({ ...server });
    expect(a).toBe(b);
    expect(c).toBe(a);
    expect(discoveryRequests()).toBe(1);
  });

  it("does not cache a failure", async () => {
    let calls = 0;
    answer = (base) =>
      ++calls === 1 ? { status: 503 } : { status: 200, body: documentFor(base, base) };
    const server = await startDiscoveryServer();
    await expect(getServerMetadata(server)).rejects.toBeInstanceOf(PolarDiscoveryError);
    await expect(getServerMetadata(server)).resolves.toMatchObject({ issuer: server.url });
    await getServerMetadata(server);
    expect(discoveryRequests()).toBe(2);
  });

  it("forgets everything on clearDiscoveryCache()", async () => {
    const server = await startDiscoveryServer();
    await getServerMetadata(server);
    clearDiscoveryCache();
    await getServerMetadata(server);
    expect(discoveryRequests()).toBe(2);
  });

  it("reports an unreachable server as PolarUnreachableError", async () => {
    const server = resolvePolarServer(await unusedLocalUrl())!;
    const error = await getServerMetadata(server, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolarUnreachableError);
    expect((error as PolarUnreachableError).code).toBe("POLAR_UNREACHABLE");
    expect((error as PolarUnreachableError).url).toBe(server.url);
    expect((error as Error).message).toMatch(/connection failed/);
  });

  it("gives up after timeoutMs when the server never answers", async () => {
    answer = () => "hang";
    const server = await startDiscoveryServer();
    const error = await getServerMetadata(server, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolarUnreachableError);
    expect((error as Error).message).toMatch(/no answer within 150 ms/);
    // The failure was not cached: a later call asks again.
    answer = (base) => ({ status: 200, body: documentFor(base, base) });
    await expect(getServerMetadata(server)).resolves.toMatchObject({ issuer: server.url });
  });
});
