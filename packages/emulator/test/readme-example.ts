import assert from "node:assert/strict";
import { completeAuthorization, startEmulator } from "@polar-oauth/emulator";
import * as client from "openid-client";

// A Polar-compatible server on a free port. issuer "self" lets openid-client's discovery
// work as is; the default, "polar", mimics real Polar (iss = https://polar.sh).
const emulator = await startEmulator({ issuer: "self" });

// Register an OAuth client, exactly like POST https://api.polar.sh/v1/oauth2/register.
const registered = await emulator.registerClient({
  client_name: "My App",
  redirect_uris: ["http://localhost:3000/auth/callback"],
});

// Your app, as an openid-client relying party (client_secret_post, Polar's default).
const config = await client.discovery(
  new URL(emulator.url),
  registered.client_id,
  registered.client_secret,
  undefined,
  { execute: [client.allowInsecureRequests] },
);
const verifier = client.randomPKCECodeVerifier();
// Send a nonce: Polar's id_token always has one, `null` when none was sent, which
// openid-client refuses ('unexpected ID Token "nonce" claim value').
const nonce = client.randomNonce();
const authorizationUrl = client.buildAuthorizationUrl(config, {
  redirect_uri: "http://localhost:3000/auth/callback",
  scope: "openid email",
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: "S256",
  nonce,
  sub_type: "user",
});

// Play the person: sign in as alice on the login page and press Allow on the consent page.
const { redirectTo } = await completeAuthorization(authorizationUrl, { user: "alice@example.com" });

const tokens = await client.authorizationCodeGrant(config, redirectTo, {
  pkceCodeVerifier: verifier,
  expectedNonce: nonce,
});
assert.equal(tokens.claims()?.email, "alice@example.com");
assert.match(tokens.access_token, /^polar_at_u_/);

await emulator.close();
