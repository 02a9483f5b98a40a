import * as client from "openid-client";
import { describe, expect, it } from "vitest";
import { completeAuthorization } from "../src/index.js";
import type { Emulator, RegisteredClientResponse, TokenEndpointAuthMethod } from "../src/types.js";
import { emulator, REDIRECT_URI, registerOk } from "./helpers.js";

const ALICE = "a11ce000-0000-4000-8000-000000000001";

/** openid-client configured against the emulator, as a relying party would be. */
async function relyingParty(
  emu: Emulator,
  registered: RegisteredClientResponse,
  issuerMode: "polar" | "self",
) {
  const auth =
    registered.token_endpoint_auth_method === "client_secret_basic"
      ? client.ClientSecretBasic(registered.client_secret)
      : registered.token_endpoint_auth_method === "client_secret_post"
        ? client.ClientSecretPost(registered.client_secret)
        : client.None();
  if (issuerMode === "self") {
    return client.discovery(new URL(emu.url), registered.client_id, undefined, auth, {
      execute: [client.allowInsecureRequests],
    });
  }
  // Real Polar's discovery says iss=https://polar.sh while being served elsewhere, which
  // openid-client's discovery() rejects; a relying party builds the configuration from the document.
  const metadata = (await (
    await fetch(`${emu.url}/.well-known/openid-configuration`)
  ).json()) as client.ServerMetadata;
  expect(metadata.issuer).toBe("https://polar.sh");
  const config = new client.Configuration(metadata, registered.client_id, undefined, auth);
  client.allowInsecureRequests(config);
  return config;
}

const cases: Array<{ issuer: "polar" | "self"; method: TokenEndpointAuthMethod }> = [];
for (const issuer of ["polar", "self"] as const) {
  for (const method of ["client_secret_post", "client_secret_basic", "none"] as const)
    cases.push({ issuer, method });
}

describe("openid-client completes register → authorize → token → userinfo → refresh → revoke → introspect", () => {
  it.each(cases)(
    "issuer=$issuer, token_endpoint_auth_method=$method",
    async ({ issuer, method }) => {
      const emu = await emulator({ issuer, rateLimits: false });
      const registered = await registerOk(emu, { token_endpoint_auth_method: method });
      const config = await relyingParty(emu, registered, issuer);
      expect(config.serverMetadata().issuer).toBe(
        issuer === "polar" ? "https://polar.sh" : emu.url,
      );

      // Authorize: PKCE for everyone (required for the public client), state and nonce.
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const authorizationUrl = client.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        scope: "openid email products:read",
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        sub_type: "user",
      });
      const { redirectTo } = await completeAuthorization(authorizationUrl, {
        user: "alice@example.com",
      });
      expect(redirectTo.searchParams.get("iss")).toBeNull();

      // Token: the id_token carries the email claims, so no userinfo call is needed.
      const tokens = await client.authorizationCodeGrant(config, redirectTo, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
      });
      expect(tokens.access_token).toMatch(/^polar_at_u_[A-Za-z0-9]{43}$/);
      expect(tokens.refresh_token).toMatch(/^polar_rt_u_[A-Za-z0-9]{43}$/);
      expect(tokens.expires_in).toBe(864000);
      expect(tokens.scope).toBe("openid email products:read");
      const claims = tokens.claims()!;
      expect(claims).toMatchObject({
        iss: issuer === "polar" ? "https://polar.sh" : emu.url,
        aud: [registered.client_id],
        sub: ALICE,
        nonce,
        email: "alice@example.com",
        email_verified: true,
      });
      expect(claims.exp - claims.iat).toBe(3600);
      expect(typeof claims.auth_time).toBe("number");
      expect(typeof claims.at_hash).toBe("string");

      const info = await client.fetchUserInfo(config, tokens.access_token, ALICE);
      expect(info).toEqual({ sub: ALICE, email: "alice@example.com", email_verified: true });

      // Refresh rotates and kills the old pair.
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.expires_in).toBe(3600);
      expect(refreshed.id_token).toBeUndefined();
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
      await expect(client.fetchUserInfo(config, tokens.access_token, ALICE)).rejects.toThrow();
      await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
        error: "invalid_grant",
      });
      expect(await client.fetchUserInfo(config, refreshed.access_token, ALICE)).toMatchObject({
        sub: ALICE,
      });

      if (method === "none") {
        // Polar's revoke and introspect accept client_secret_basic / client_secret_post only;
        // Authlib's 401 invalid_client carries a Basic challenge, which openid-client reports.
        const refused = {
          status: 401,
          cause: [
            { scheme: "basic", parameters: expect.objectContaining({ error: "invalid_client" }) },
          ],
        };
        await expect(
          client.tokenRevocation(config, refreshed.refresh_token!),
        ).rejects.toMatchObject(refused);
        await expect(
          client.tokenIntrospection(config, refreshed.access_token),
        ).rejects.toMatchObject(refused);
        return;
      }

      const live = await client.tokenIntrospection(config, refreshed.access_token);
      expect(live).toMatchObject({
        active: true,
        client_id: registered.client_id,
        token_type: "Bearer",
        scope: "openid email products:read",
        sub_type: "user",
        sub: ALICE,
        organizations: [],
        aud: registered.client_id,
        iss: issuer === "polar" ? "https://polar.sh" : emu.url,
      });
      expect((live.exp as number) - (live.iat as number)).toBe(3600);
      expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(false);

      // Revoking the refresh token kills its access token too.
      await client.tokenRevocation(config, refreshed.refresh_token!);
      expect((await client.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
      expect((await client.tokenIntrospection(config, refreshed.refresh_token!)).active).toBe(
        false,
      );
      await expect(
        client.refreshTokenGrant(config, refreshed.refresh_token!),
      ).rejects.toMatchObject({
        error: "invalid_grant",
      });
    },
  );
});
