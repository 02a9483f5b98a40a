import { createPublicKey, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { completeAuthorization } from "../src/index.js";
import { authorizeUrl, emulator, jwtPayload, redeemCode, registerOk } from "./helpers.js";

function jwtHeader(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[0] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

/** The keys of the JWKS whose public key verifies `jwt`'s RS256 signature. */
function verifyingKeys(jwt: string, keys: Array<Record<string, unknown>>): number[] {
  const [header, payload, signature] = jwt.split(".");
  return keys.flatMap((jwk, index) => {
    const key = createPublicKey({ key: jwk as never, format: "jwk" });
    const ok = verify(
      "sha256",
      Buffer.from(`${header}.${payload}`),
      key,
      Buffer.from(signature ?? "", "base64url"),
    );
    return ok ? [index] : [];
  });
}

describe("the id_token has Polar's shape (Authlib 1.7.2 OpenIDToken, Polar's JWT_CONFIG)", () => {
  it('without a nonce: "nonce": null, an array aud, header {typ: JWT, alg: RS256} with no kid', async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const { redirectTo } = await completeAuthorization(authorizeUrl(emu, client), {
      user: "alice@example.com",
    });
    const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
    const idToken = String(tokens.id_token);

    expect(jwtHeader(idToken)).toEqual({ typ: "JWT", alg: "RS256" });
    const claims = jwtPayload(idToken);
    expect(claims).toHaveProperty("nonce", null);
    expect(claims.aud).toEqual([client.client_id]);
    expect(claims).toMatchObject({ iss: "https://polar.sh", email: "alice@example.com" });
  });

  it("with a nonce: the nonce sent at authorize", async () => {
    const emu = await emulator();
    const client = await registerOk(emu);
    const { redirectTo } = await completeAuthorization(
      authorizeUrl(emu, client, { nonce: "n-0S6_WzA2Mj" }),
      { user: "alice@example.com" },
    );
    const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
    expect(jwtPayload(String(tokens.id_token)).nonce).toBe("n-0S6_WzA2Mj");
  });

  it.each([
    ["first", 1],
    ["last", 0],
  ] as const)(
    "extraJwk %s: the JWKS holds two RSA keys, and only the signing key (index %i) verifies the id_token",
    async (position, signer) => {
      const emu = await emulator({ extraJwk: position });
      const client = await registerOk(emu);
      const { redirectTo } = await completeAuthorization(authorizeUrl(emu, client), {
        user: "alice@example.com",
      });
      const tokens = (await redeemCode(emu, client, redirectTo.searchParams.get("code")!)).body;
      const jwks = (await (await fetch(`${emu.url}/.well-known/jwks.json`)).json()) as {
        keys: Array<Record<string, unknown>>;
      };

      expect(jwks.keys).toHaveLength(2);
      expect(jwks.keys.every((key) => key.kty === "RSA" && !("d" in key))).toBe(true);
      expect(verifyingKeys(String(tokens.id_token), jwks.keys)).toEqual([signer]);
    },
  );
});
