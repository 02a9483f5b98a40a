import { describe, expect, it } from "vitest";
import { completeAuthorization } from "../src/index.js";
import {
  authorizeUrl,
  emulator,
  introspect,
  postForm,
  redeemCode,
  refresh,
  registerOk,
  userinfo,
} from "./helpers.js";

describe("stats()", () => {
  it("counts requests per endpoint, token requests per grant type and 429s", async () => {
    const emu = await emulator({ rateLimits: { tokenPerHour: 3 } });
    await fetch(`${emu.url}/.well-known/openid-configuration`);
    await fetch(`${emu.url}/.well-known/jwks.json`);
    const client = await registerOk(emu);
    const { redirectTo } = await completeAuthorization(authorizeUrl(emu, client));
    const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
    await userinfo(emu, String(tokens.access_token));
    await fetch(`${emu.url}/v1/organizations/`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    await fetch(`${emu.url}/v1/oauth2/authorize?response_type=code&client_id=${client.client_id}`);
    const refreshed = (await refresh(emu, client, String(tokens.refresh_token))).body;
    await introspect(emu, client, String(refreshed.access_token));
    await postForm(emu, "/v1/oauth2/revoke", {
      token: String(refreshed.refresh_token),
      client_id: client.client_id,
      client_secret: client.client_secret!,
    });
    const auth = { authorization: `Bearer ${client.registration_access_token}` };
    await fetch(client.registration_client_uri, { headers: auth });
    await fetch(client.registration_client_uri, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        client_id: client.client_id,
        client_name: "Renamed",
        redirect_uris: client.redirect_uris,
      }),
    });
    await fetch(`${emu.url}/v1/oauth2/?limit=5`, {
      headers: { authorization: "Bearer polar_pat_emulator_alice" },
    });
    for (const path of ["products/", "orders", "subscriptions/", "organizations/some-id"])
      await fetch(`${emu.url}/v1/${path}`);
    await refresh(emu, client, "polar_rt_u_unknown"); // 3rd token request: allowed (invalid_grant)
    await refresh(emu, client, "polar_rt_u_unknown"); // 4th: rate limited
    await fetch(client.registration_client_uri, { method: "DELETE", headers: auth });

    expect(emu.stats()).toEqual({
      requests: {
        discovery: 1,
        jwks: 1,
        authorize: 1,
        authorize_api: 1,
        token: 4,
        userinfo: 1,
        revoke: 1,
        introspect: 1,
        register: 1,
        registration_read: 1,
        registration_update: 1,
        registration_delete: 1,
        list: 1,
        organizations: 1,
        organization: 1,
        products: 1,
        orders: 1,
        subscriptions: 1,
      },
      tokenGrants: { authorization_code: 1, refresh_token: 3 },
      rateLimited: 1,
    });

    const snapshot = emu.stats();
    emu.resetStats();
    expect(snapshot.requests.token).toBe(4);
    expect(emu.stats().requests.token).toBe(0);
    expect(emu.stats().rateLimited).toBe(0);
  });

  it("logs one line per request without secrets, tokens, codes or query values", async () => {
    const lines: string[] = [];
    const emu = await emulator({ log: (line) => lines.push(line) });
    const client = await registerOk(emu);
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, client, { state: "very-secret-state" }),
    );
    const code = redirectTo.searchParams.get("code")!;
    const tokens = (await redeemCode(emu, client, code)).body;
    await userinfo(emu, String(tokens.access_token));

    expect(lines.length).toBeGreaterThanOrEqual(9);
    for (const line of lines) expect(line).toMatch(/^(GET|POST|PUT|DELETE) \/\S* \d{3} \d+\.\dms$/);
    const all = lines.join("\n");
    for (const secret of [
      client.client_secret!,
      client.registration_access_token,
      code,
      String(tokens.access_token),
      "very-secret-state",
      "?",
    ]) {
      expect(all).not.toContain(secret);
    }
    expect(all).toContain("GET /oauth2/interaction/:uid 200");
    expect(all).toContain("POST /v1/oauth2/token 200");
  });
});
