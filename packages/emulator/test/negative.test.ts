import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AuthorizationFlowError, completeAuthorization } from "../src/index.js";
import {
  authorizeUrl,
  emulator,
  introspect,
  postForm,
  REDIRECT_URI,
  redeemCode,
  refresh,
  registerOk,
  userinfo,
} from "./helpers.js";

async function codeFor(url: URL): Promise<string> {
  const { redirectTo } = await completeAuthorization(url);
  const code = redirectTo.searchParams.get("code");
  if (!code) throw new Error(`no code in ${redirectTo.href}`);
  return code;
}

describe("authorization errors", () => {
  it("an unregistered redirect_uri shows an error page with 200 (like Polar's page) and never redirects", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const url = authorizeUrl(emu, app, { redirect_uri: "http://localhost:3000/evil" });
    const response = await fetch(url, { redirect: "manual", headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    const html = await response.text();
    expect(html).toContain("invalid_request");
    expect(html).toContain("is not supported by client");
    expect(html).not.toContain("localhost:3000/evil?");

    const failure = await completeAuthorization(url).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AuthorizationFlowError);
    expect(failure).toMatchObject({ status: 200, error: "invalid_request" });
    expect(String((failure as Error).message)).toMatch(
      /200 invalid_request: Redirect URI http:\/\/localhost:3000\/evil is not supported by client/,
    );
  });

  it("a redirect_uri differing only by a trailing slash is not registered", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    await expect(
      completeAuthorization(authorizeUrl(emu, app, { redirect_uri: `${REDIRECT_URI}/` })),
    ).rejects.toMatchObject({
      status: 200,
      error: "invalid_request",
    });
  });

  it("an unknown client shows an error page with 200", async () => {
    const emu = await emulator();
    const response = await fetch(authorizeUrl(emu, { client_id: "polar_ci_unknown" }), {
      redirect: "manual",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    const html = await response.text();
    expect(html).toContain("invalid_client");
    expect(html).toContain("The client does not exist on this server.");
  });

  it("an unknown scope redirects back with error=invalid_scope and no iss", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const response = await fetch(authorizeUrl(emu, app, { scope: "openid nope:read" }), {
      redirect: "manual",
    });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location")!);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get("error")).toBe("invalid_scope");
    expect(location.searchParams.get("state")).toBe("state-123");
    expect(location.searchParams.get("iss")).toBeNull();
  });

  it("an omitted redirect_uri means the first registered one; an omitted scope means the registered scope", async () => {
    const emu = await emulator();
    const app = await registerOk(emu, {
      redirect_uris: [REDIRECT_URI, "https://app.example.com/callback"],
      scope: "openid email orders:read",
    });
    const url = authorizeUrl(emu, app);
    url.searchParams.delete("redirect_uri");
    url.searchParams.delete("scope");
    const { redirectTo } = await completeAuthorization(url);
    expect(redirectTo.origin + redirectTo.pathname).toBe(REDIRECT_URI);
    const tokens = await redeemCode(emu, app, redirectTo.searchParams.get("code")!);
    expect(tokens.body.scope).toBe("openid email orders:read");
  });

  it("denying consent redirects with error=access_denied", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const { redirectTo } = await completeAuthorization(authorizeUrl(emu, app), {
      decision: "deny",
    });
    expect(redirectTo.searchParams.get("error")).toBe("access_denied");
    expect(redirectTo.searchParams.get("state")).toBe("state-123");
    expect(redirectTo.searchParams.get("code")).toBeNull();
  });

  it("a public client without PKCE gets error=invalid_request", async () => {
    const emu = await emulator();
    const app = await registerOk(emu, { token_endpoint_auth_method: "none" });
    const response = await fetch(authorizeUrl(emu, app), { redirect: "manual" });
    const location = new URL(response.headers.get("location")!);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("error_description")).toMatch(/PKCE/);
  });

  it("an invalid sub_type is an error page without redirect; a legacy sub is ignored", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const response = await fetch(authorizeUrl(emu, app, { sub_type: "team" }), {
      redirect: "manual",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    const html = await response.text();
    expect(html).toContain("invalid_request");
    expect(html).toContain("Invalid sub_type");
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, app, { sub_type: "user", sub: "x" }),
    );
    expect(redirectTo.searchParams.get("code")).toMatch(/^polar_ac_/);
  });

  it("a nonce still carried by an unredeemed code is rejected", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    await codeFor(authorizeUrl(emu, app, { nonce: "same-nonce" }));
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, app, { nonce: "same-nonce" }),
    );
    expect(redirectTo.searchParams.get("error")).toBe("invalid_request");
    expect(redirectTo.searchParams.get("error_description")).toMatch(/nonce/);
  });

  it("POST to the authorization page is 405", async () => {
    const emu = await emulator();
    const response = await fetch(`${emu.url}/oauth2/authorize`, {
      method: "POST",
      body: "client_id=x",
    });
    expect(response.status).toBe(405);
  });
});

describe("codes", () => {
  it("a code works once; the replay fails with invalid_grant and the first tokens stay valid", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const code = await codeFor(authorizeUrl(emu, app));
    const first = await redeemCode(emu, app, code);
    expect(first.status).toBe(200);
    const second = await redeemCode(emu, app, code);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe("invalid_grant");
    expect((await userinfo(emu, String(first.body.access_token))).status).toBe(200);
  });

  it("two concurrent redemptions of one code: exactly one succeeds", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const code = await codeFor(authorizeUrl(emu, app));
    const results = await Promise.all([redeemCode(emu, app, code), redeemCode(emu, app, code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  it("a code is bound to its client and its redirect_uri", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const other = await registerOk(emu, { client_name: "Other" });
    const code = await codeFor(authorizeUrl(emu, app));
    expect((await redeemCode(emu, other, code)).body.error).toBe("invalid_grant");
    const code2 = await codeFor(authorizeUrl(emu, app));
    expect(
      (await redeemCode(emu, app, code2, { redirect_uri: "http://localhost:3000/other" })).body,
    ).toEqual({ error: "invalid_grant", error_description: "Invalid 'redirect_uri' in request." });
  });

  // Authlib 1.7.2 AuthorizationCodeGrant.validate_token_request: the code keeps the
  // redirect_uri sent at authorize (Polar's save_authorization_code), None when omitted.
  it("a token request without the redirect_uri sent at authorize is invalid_grant, and the code still works with it", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const code = await codeFor(authorizeUrl(emu, app));
    const { redirect_uri: _sent, ...form } = {
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      client_id: app.client_id,
      client_secret: app.client_secret!,
    };
    expect(await postForm(emu, "/v1/oauth2/token", form)).toMatchObject({
      status: 400,
      body: { error: "invalid_grant", error_description: "Invalid 'redirect_uri' in request." },
    });
    expect((await redeemCode(emu, app, code)).status).toBe(200);
  });

  it("a code requested without redirect_uri is bound to none: the token request may omit it or send another", async () => {
    const emu = await emulator();
    const app = await registerOk(emu, {
      redirect_uris: [REDIRECT_URI, "https://app.example.com/callback"],
    });
    const withoutRedirect = () => {
      const url = authorizeUrl(emu, app);
      url.searchParams.delete("redirect_uri");
      return url;
    };
    const omitted = await postForm(emu, "/v1/oauth2/token", {
      grant_type: "authorization_code",
      code: await codeFor(withoutRedirect()),
      client_id: app.client_id,
      client_secret: app.client_secret!,
    });
    expect(omitted.status).toBe(200);
    const other = await redeemCode(emu, app, await codeFor(withoutRedirect()), {
      redirect_uri: "https://app.example.com/callback",
    });
    expect(other.status).toBe(200);
  });

  it("a code expires after 5 minutes (injected clock)", async () => {
    let offset = 0;
    const emu = await emulator({ now: () => Date.now() + offset });
    const app = await registerOk(emu);
    const code = await codeFor(authorizeUrl(emu, app));
    offset = 301_000;
    const result = await redeemCode(emu, app, code);
    expect(result.status).toBe(400);
    expect(result.body.error).toBe("invalid_grant");
  });

  it("a code redeemed within 5 minutes works (injected clock)", async () => {
    let offset = 0;
    const emu = await emulator({ now: () => Date.now() + offset });
    const app = await registerOk(emu);
    const code = await codeFor(authorizeUrl(emu, app));
    offset = 290_000;
    expect((await redeemCode(emu, app, code)).status).toBe(200);
  });
});

describe("PKCE", () => {
  const verifier = "v".repeat(43);
  const s256 = createHash("sha256").update(verifier).digest("base64url");

  it("a wrong S256 verifier fails with invalid_grant", async () => {
    const emu = await emulator();
    const app = await registerOk(emu, { token_endpoint_auth_method: "none" });
    const code = await codeFor(
      authorizeUrl(emu, app, { code_challenge: s256, code_challenge_method: "S256" }),
    );
    const bad = await redeemCode(emu, app, code, { code_verifier: "w".repeat(43) });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("invalid_grant");
  });

  it("a missing verifier fails when a challenge was sent", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const code = await codeFor(
      authorizeUrl(emu, app, { code_challenge: s256, code_challenge_method: "S256" }),
    );
    // Authlib 1.7.2 rfc7636 validate_code_verifier.
    expect((await redeemCode(emu, app, code)).body).toEqual({
      error: "invalid_request",
      error_description: "Missing 'code_verifier'",
    });
  });

  it("plain (explicit or default) works with the right verifier only", async () => {
    const emu = await emulator();
    const app = await registerOk(emu, { token_endpoint_auth_method: "none" });
    const explicit = await codeFor(
      authorizeUrl(emu, app, { code_challenge: verifier, code_challenge_method: "plain" }),
    );
    expect((await redeemCode(emu, app, explicit, { code_verifier: verifier })).status).toBe(200);
    const implicit = await codeFor(authorizeUrl(emu, app, { code_challenge: verifier }));
    expect(
      (await redeemCode(emu, app, implicit, { code_verifier: "x".repeat(43) })).body.error,
    ).toBe("invalid_grant");
  });
});

describe("refresh rotation", () => {
  it("the rotated-out refresh token fails, and its access token is dead at introspect and userinfo", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const first = (await redeemCode(emu, app, await codeFor(authorizeUrl(emu, app)))).body;
    const second = await refresh(emu, app, String(first.refresh_token));
    expect(second.status).toBe(200);
    expect(second.body.id_token).toBeUndefined();

    const replay = await refresh(emu, app, String(first.refresh_token));
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe("invalid_grant");
    expect(await introspect(emu, app, String(first.access_token))).toEqual({ active: false });
    expect(await introspect(emu, app, String(first.refresh_token))).toEqual({ active: false });
    expect((await userinfo(emu, String(first.access_token))).status).toBe(401);

    // The replay did not take the new pair down (Polar does not revoke the chain).
    expect((await introspect(emu, app, String(second.body.access_token))).active).toBe(true);
    expect((await refresh(emu, app, String(second.body.refresh_token))).status).toBe(200);
  });

  it("two concurrent refreshes with the same token: the second fails with invalid_grant", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const first = (await redeemCode(emu, app, await codeFor(authorizeUrl(emu, app)))).body;
    const results = await Promise.all([
      refresh(emu, app, String(first.refresh_token)),
      refresh(emu, app, String(first.refresh_token)),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(results.find((r) => r.status === 400)?.body.error).toBe("invalid_grant");
  });

  it("a refresh token of another client is invalid_grant", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const other = await registerOk(emu, { client_name: "Other" });
    const first = (await redeemCode(emu, app, await codeFor(authorizeUrl(emu, app)))).body;
    expect((await refresh(emu, other, String(first.refresh_token))).body.error).toBe(
      "invalid_grant",
    );
  });

  it("a client registered without the refresh_token grant gets no refresh token", async () => {
    const emu = await emulator();
    const app = await registerOk(emu, { grant_types: ["authorization_code"] });
    const tokens = (await redeemCode(emu, app, await codeFor(authorizeUrl(emu, app)))).body;
    expect(tokens.access_token).toMatch(/^polar_at_u_/);
    expect(tokens.refresh_token).toBeUndefined();
  });
});

describe("client authentication at the token endpoint", () => {
  it("a wrong secret is 401 invalid_client", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const result = await redeemCode(emu, { ...app, client_secret: "polar_cs_wrong" }, "polar_ac_x");
    expect(result.status).toBe(401);
    expect(result.body.error).toBe("invalid_client");
  });

  it("the registered method is enforced exactly (basic client using post)", async () => {
    const emu = await emulator();
    const app = await registerOk(emu, { token_endpoint_auth_method: "client_secret_basic" });
    const code = await codeFor(authorizeUrl(emu, app));
    const viaPost = await redeemCode(emu, app, code);
    expect(viaPost.status).toBe(401);
    expect(viaPost.body.error).toBe("invalid_client");
    const basic = Buffer.from(`${app.client_id}:${app.client_secret}`).toString("base64");
    const viaBasic = await postForm(
      emu,
      "/v1/oauth2/token",
      { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI },
      { authorization: `Basic ${basic}` },
    );
    expect(viaBasic.status).toBe(200);
  });

  // Authlib 1.7.2 authenticate_client.py: 400 in the body, 401 through Basic, and 401 with a
  // Basic challenge when no method works.
  it("an unknown client is invalid_client: 400 in the body, 401 through Basic", async () => {
    const emu = await emulator();
    const form = { grant_type: "authorization_code", code: "polar_ac_x" };
    const inBody = await postForm(emu, "/v1/oauth2/token", {
      ...form,
      client_id: "polar_ci_nobody",
      client_secret: "x",
    });
    expect(inBody).toMatchObject({
      status: 400,
      body: {
        error: "invalid_client",
        error_description: "The client does not exist on this server.",
      },
    });
    const basic = await postForm(emu, "/v1/oauth2/token", form, {
      authorization: `Basic ${Buffer.from("polar_ci_nobody:x").toString("base64")}`,
    });
    expect(basic).toMatchObject({ status: 401, body: { error: "invalid_client" } });
  });

  it("a wrong secret or another method than the registered one: 401 with Authlib's words and a Basic challenge", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const code = await codeFor(authorizeUrl(emu, app));
    const description =
      "The client cannot authenticate with methods: ['client_secret_basic', 'client_secret_post', 'none']";
    const wrong = await redeemCode(emu, { ...app, client_secret: "polar_cs_wrong" }, code);
    expect(wrong).toMatchObject({
      status: 401,
      body: { error: "invalid_client", error_description: description },
    });
    expect(wrong.headers.get("www-authenticate")).toBe(
      `Basic error="invalid_client", error_description="${description}"`,
    );
    const asBasic = await postForm(
      emu,
      "/v1/oauth2/token",
      { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI },
      {
        authorization: `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString("base64")}`,
      },
    );
    expect(asBasic).toMatchObject({ status: 401, body: { error_description: description } });
  });

  it("token errors carry Authlib's descriptions: code, refresh token, PKCE, grant type", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    expect((await redeemCode(emu, app, "polar_ac_unknown")).body).toEqual({
      error: "invalid_grant",
      error_description: "Invalid 'code' in request.",
    });
    expect((await refresh(emu, app, "polar_rt_u_unknown")).body).toEqual({
      error: "invalid_grant",
    });
    const verifier = "v".repeat(43);
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const code = await codeFor(
      authorizeUrl(emu, app, { code_challenge: challenge, code_challenge_method: "S256" }),
    );
    expect((await redeemCode(emu, app, code, { code_verifier: "w".repeat(43) })).body).toEqual({
      error: "invalid_grant",
      error_description: "Code challenge failed.",
    });
    const unsupported = await postForm(emu, "/v1/oauth2/token", { grant_type: "password" });
    expect(unsupported).toMatchObject({
      status: 400,
      body: {
        error: "unsupported_grant_type",
        error_description: "grant_type=password is not supported",
      },
    });
  });

  it("an unsupported grant type is rejected", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const result = await postForm(emu, "/v1/oauth2/token", {
      grant_type: "client_credentials",
      client_id: app.client_id,
      client_secret: app.client_secret!,
    });
    expect(result.status).toBe(400);
    expect(["unsupported_grant_type", "unauthorized_client", "invalid_request"]).toContain(
      result.body.error,
    );
  });
});

describe("revoke and introspect", () => {
  it("revoke is always 200 {} and revoking the access token kills the refresh token too", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const tokens = (await redeemCode(emu, app, await codeFor(authorizeUrl(emu, app)))).body;
    const unknown = await postForm(emu, "/v1/oauth2/revoke", {
      token: "polar_at_u_nothing",
      client_id: app.client_id,
      client_secret: app.client_secret!,
    });
    expect(unknown).toMatchObject({ status: 200, body: {} });
    const revoked = await postForm(emu, "/v1/oauth2/revoke", {
      token: String(tokens.access_token),
      client_id: app.client_id,
      client_secret: app.client_secret!,
    });
    expect(revoked).toMatchObject({ status: 200, body: {} });
    expect((await refresh(emu, app, String(tokens.refresh_token))).body.error).toBe(
      "invalid_grant",
    );
  });

  it("token_type_hint=access_token also ends the refresh token (Authlib 1.7.2 is_revoked: either revoked_at)", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const tokens = (await redeemCode(emu, app, await codeFor(authorizeUrl(emu, app)))).body;
    await postForm(emu, "/v1/oauth2/revoke", {
      token: String(tokens.access_token),
      token_type_hint: "access_token",
      client_id: app.client_id,
      client_secret: app.client_secret!,
    });
    expect((await userinfo(emu, String(tokens.access_token))).status).toBe(401);
    expect(await refresh(emu, app, String(tokens.refresh_token))).toMatchObject({
      status: 400,
      body: { error: "invalid_grant" },
    });
  });

  it("another client's token is not revoked (400 invalid_grant, Authlib's RFC 7009 check_client) and introspects as inactive", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const other = await registerOk(emu, { client_name: "Other" });
    const tokens = (await redeemCode(emu, app, await codeFor(authorizeUrl(emu, app)))).body;
    expect(await introspect(emu, other, String(tokens.access_token))).toEqual({ active: false });
    const foreign = await postForm(emu, "/v1/oauth2/revoke", {
      token: String(tokens.access_token),
      client_id: other.client_id,
      client_secret: other.client_secret!,
    });
    expect(foreign).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect((await introspect(emu, app, String(tokens.access_token))).active).toBe(true);
  });

  it("wrong credentials are 401 invalid_client; a missing token is 400 invalid_request", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const wrong = await postForm(emu, "/v1/oauth2/introspect", {
      token: "t",
      client_id: app.client_id,
      client_secret: "no",
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_client");
    const basic = Buffer.from(`${app.client_id}:nope`).toString("base64");
    const wrongBasic = await postForm(
      emu,
      "/v1/oauth2/revoke",
      { token: "t" },
      { authorization: `Basic ${basic}` },
    );
    expect(wrongBasic.status).toBe(401);
    expect(wrongBasic.headers.get("www-authenticate")).toMatch(/^Basic/);
    const missing = await postForm(emu, "/v1/oauth2/revoke", {
      client_id: app.client_id,
      client_secret: app.client_secret!,
    });
    expect(missing).toMatchObject({ status: 400, body: { error: "invalid_request" } });
  });
});

describe("garbage never crashes the server", () => {
  it("answers malformed bodies with RFC-shaped errors and keeps serving", async () => {
    const emu = await emulator();
    const app = await registerOk(emu);
    const send = (path: string, body: string | Uint8Array, contentType: string, method = "POST") =>
      fetch(`${emu.url}${path}`, { method, headers: { "content-type": contentType }, body });

    const attempts = [
      send("/v1/oauth2/token", "{not json", "application/json"),
      send("/v1/oauth2/token", "%%%&&&===", "application/x-www-form-urlencoded"),
      send(
        "/v1/oauth2/token",
        new Uint8Array([0xff, 0xfe, 0x00, 0x01]),
        "application/octet-stream",
      ),
      send(
        "/v1/oauth2/token",
        "grant_type=authorization_code&grant_type=refresh_token",
        "application/x-www-form-urlencoded",
      ),
      send("/v1/oauth2/token", "x".repeat(70_000), "application/x-www-form-urlencoded"),
      send("/v1/oauth2/register", "{not json", "application/json"),
      send("/v1/oauth2/register", "[1,2,3]", "application/json"),
      send(
        "/v1/oauth2/register",
        '{"client_name":{"$gt":1},"redirect_uris":"x"}',
        "application/json",
      ),
      send("/v1/oauth2/revoke", "\u0000\u0001", "text/plain"),
      send("/v1/oauth2/introspect", "token=%E0%A4%A", "application/x-www-form-urlencoded"),
      send(`/v1/oauth2/register/${app.client_id}`, "{", "application/json", "PUT"),
      send("/v1/oauth2/userinfo", "access_token=x", "application/x-www-form-urlencoded"),
      fetch(`${emu.url}/v1/oauth2/authorize?client_id=${app.client_id}&client_id=dup`, {
        redirect: "manual",
      }),
      fetch(`${emu.url}/v1/oauth2/authorize?%zz=1`, { redirect: "manual" }),
      fetch(`${emu.url}/oauth2/interaction/does-not-exist`, { redirect: "manual" }),
      fetch(`${emu.url}/v1/oauth2/register/%E0%A4%A`, { headers: { authorization: "Bearer x" } }),
      fetch(`${emu.url}/nope`),
    ];
    const responses = await Promise.all(attempts);
    for (const response of responses) {
      expect(response.status, `${response.url} ${response.status}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${response.url} ${response.status}`).toBeLessThan(500);
      const text = await response.text();
      if (response.headers.get("content-type")?.includes("json")) {
        expect(JSON.parse(text)).toSatisfy(
          (b: Record<string, unknown>) => "error" in b || "detail" in b,
        );
      }
    }
    const discovery = await fetch(`${emu.url}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
  });
});
