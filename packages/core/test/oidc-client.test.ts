import { describe, expect, it } from "vitest";
import { createPolarAuth } from "../src/auth.js";
import { definePolarConfig } from "../src/config/define.js";

/**
 * The openid-client configuration the kit builds from a server's metadata: plain http only
 * for a plain-http (loopback) server whose endpoints are all https or on loopback, never for
 * an https server; a failed build is tried again. Polar is played by the `fetch` option (every
 * call to Polar goes through it), so what the kit asks for is exactly what it records.
 */
const SECRET = "a-session-secret-that-is-long-enough-123";
const LOCAL = "http://127.0.0.1:9";

interface Polar {
  /** `METHOD url` of every call the kit made, in order. */
  calls: string[];
  fetch: typeof fetch;
}

/** A Polar at `server` whose discovery document is `metadata`; any other call is refused. */
function polarAt(
  server: string,
  metadata: Record<string, unknown>,
  discovery: () => Response = () => Response.json({ issuer: server, ...metadata }),
): Polar {
  const calls: string[] = [];
  return {
    calls,
    fetch: async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      calls.push(`${init?.method ?? "GET"} ${url}`);
      if (url === `${server}/.well-known/openid-configuration`) return discovery();
      return Response.json({ error: "invalid_grant" }, { status: 400 });
    },
  };
}

const endpoints = (base: string) => ({
  authorization_endpoint: `${base}/oauth2/authorize`,
  token_endpoint: `${base}/v1/oauth2/token`,
  userinfo_endpoint: `${base}/v1/oauth2/userinfo`,
  revocation_endpoint: `${base}/v1/oauth2/revoke`,
  jwks_uri: `${base}/.well-known/jwks.json`,
  id_token_signing_alg_values_supported: ["RS256"],
});

function kit(server: string, polar: Polar) {
  const logs: string[] = [];
  const auth = createPolarAuth(
    definePolarConfig({
      environment: "development",
      server,
      clientId: "polar_ci_transport",
      clientSecret: "polar_cs_transport",
      authMethod: "client_secret_post",
      redirectUri: "http://localhost:3000/auth/callback",
      scopes: "openid email",
      session: { secrets: SECRET },
      startupCheck: "off",
    }),
    { fetch: polar.fetch, logger: { info() {}, warn: (m) => logs.push(m), error() {} } },
  );
  return { auth, logs };
}

/** `/auth/login`, then the callback with a code and the attempt's state and cookie. */
async function signIn(auth: ReturnType<typeof kit>["auth"]) {
  const login = await auth.handle({ method: "GET", url: "/auth/login", headers: {} });
  expect(login?.status).toBe(302);
  const state = new URL(login!.headers.location!).searchParams.get("state");
  const cookie = login!.cookies.map((line) => line.split(";")[0]).join("; ");
  return auth.handle({
    method: "GET",
    url: `/auth/callback?code=polar_ac_x&state=${state}`,
    headers: { cookie },
  });
}

describe("plain http towards Polar", () => {
  it("an https server advertising a plain-http endpoint: the kit never calls it", async () => {
    const server = "https://polar.test";
    const polar = polarAt(server, {
      ...endpoints(server),
      token_endpoint: `${LOCAL}/v1/oauth2/token`,
    });
    const { auth, logs } = kit(server, polar);
    const callback = await signIn(auth);
    expect(callback?.status).toBe(400);
    expect(polar.calls).toEqual([`GET ${server}/.well-known/openid-configuration`]);
    expect(logs).toEqual([
      "sign-in failed: token_exchange_failed (OAUTH_HTTP_REQUEST_FORBIDDEN: only requests to HTTPS are allowed)",
    ]);
  });

  it.each(["jwks_uri", "revocation_endpoint"])(
    "a loopback server with its %s on plain http off loopback: plain http is refused for all of it",
    async (field) => {
      const polar = polarAt(LOCAL, { ...endpoints(LOCAL), [field]: "http://10.0.0.5/x" });
      const { auth, logs } = kit(LOCAL, polar);
      // Even the authorization URL on loopback: the sign-in cannot start.
      const login = await auth.handle({ method: "GET", url: "/auth/login", headers: {} });
      expect(login?.status).toBe(400);
      expect(logs).toEqual([
        "sign-in failed: token_exchange_failed (OAUTH_HTTP_REQUEST_FORBIDDEN)",
      ]);
      expect(polar.calls).toEqual([`GET ${LOCAL}/.well-known/openid-configuration`]);
    },
  );

  it("a loopback server mixing https and loopback endpoints, with fields the kit does not use: plain http to loopback", async () => {
    const polar = polarAt(LOCAL, {
      ...endpoints(LOCAL),
      jwks_uri: "https://keys.polar.test/jwks.json",
      // Not endpoints: a documentation link off loopback, an endpoint the server left empty.
      op_policy_uri: "http://docs.example.com/policy",
      backchannel_authentication_endpoint: null,
    });
    const { auth } = kit(LOCAL, polar);
    const callback = await signIn(auth);
    expect(callback?.status).toBe(400);
    expect(polar.calls).toEqual([
      `GET ${LOCAL}/.well-known/openid-configuration`,
      `POST ${LOCAL}/v1/oauth2/token`,
    ]);
  });
});

describe("a failed build", () => {
  it("is not kept: the next sign-in reads the discovery document again", async () => {
    let answers = 0;
    const polar = polarAt(LOCAL, endpoints(LOCAL), () =>
      answers++ === 0
        ? new Response("unavailable", { status: 503 })
        : Response.json({ issuer: LOCAL, ...endpoints(LOCAL) }),
    );
    const { auth } = kit(LOCAL, polar);
    const first = await auth.handle({ method: "GET", url: "/auth/login", headers: {} });
    expect(first?.status).toBe(400);
    const second = await auth.handle({ method: "GET", url: "/auth/login", headers: {} });
    expect(second?.status).toBe(302);
    expect(
      new URL(second!.headers.location!).origin + new URL(second!.headers.location!).pathname,
    ).toBe(`${LOCAL}/oauth2/authorize`);
    expect(answers).toBe(2);
  });
});
