import { describe, expect, it } from "vitest";
import { completeAuthorization, POLAR_SCOPES } from "../src/index.js";
import { authorizeUrl, emulator, postForm, redeemCode, register, registerOk } from "./helpers.js";

describe("Polar's own error shapes on 401/403", () => {
  it("userinfo without a token is 401 {error: Unauthorized, detail} (get_token in server/polar/oauth2/dependencies.py)", async () => {
    const emu = await emulator();
    const response = await fetch(`${emu.url}/v1/oauth2/userinfo`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="polar"');
    expect(await response.json()).toEqual({ error: "Unauthorized", detail: "Unauthorized" });
  });

  it("userinfo with an unknown token is 401 invalid_token (Authlib's RFC 6750 error)", async () => {
    const emu = await emulator();
    const response = await fetch(`${emu.url}/v1/oauth2/userinfo`, {
      headers: { authorization: "Bearer polar_at_u_unknown" },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
    expect(await response.json()).toMatchObject({ error: "invalid_token" });
  });
});

describe("the server's scope list is authoritative (option scopes)", () => {
  it("a client registered without scope gets every scope of *this* server; discovery lists them", async () => {
    const scopes = [...POLAR_SCOPES.filter((s) => s !== "webhooks:write"), "widgets:read"];
    const emu = await emulator({ scopes });
    const client = await registerOk(emu);
    expect(client.scope).toBe(scopes.join(" "));
    const discovery = (await (
      await fetch(`${emu.url}/.well-known/openid-configuration`)
    ).json()) as { scopes_supported: string[] };
    expect(discovery.scopes_supported).toEqual(scopes);
    const unknown = await register(emu, {
      client_name: "A",
      redirect_uris: ["https://a.example/cb"],
      scope: "openid webhooks:write",
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe("invalid_client_metadata");
  });

  it("a requested scope the client lacks is dropped, not refused: the token simply lacks it", async () => {
    const emu = await emulator();
    const client = await registerOk(emu, { scope: "openid email" });
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, client, { scope: "openid email products:read" }),
    );
    expect(redirectTo.searchParams.get("error")).toBeNull();
    const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
    expect(String(tokens.scope).split(" ").sort()).toEqual(["email", "openid"]);
  });
});

describe("revoke and introspect are for confidential clients (CLIENT_AUTH_METHODS)", () => {
  it("a public client calling them is 401 invalid_client", async () => {
    const emu = await emulator();
    const client = await registerOk(emu, { token_endpoint_auth_method: "none" });
    for (const path of ["/v1/oauth2/revoke", "/v1/oauth2/introspect"]) {
      const answer = await postForm(emu, path, { token: "x", client_id: client.client_id });
      expect(answer.status, path).toBe(401);
      expect(answer.body.error, path).toBe("invalid_client");
    }
  });
});
