import { createHash, generateKeyPairSync, type JsonWebKey } from "node:crypto";

/** A private RSA JWK (RS256) as oidc-provider's `jwks` option expects it. */
export type PrivateJwk = JsonWebKey & { kid: string; alg: "RS256"; use: "sig" };

let processKey: PrivateJwk | undefined;

/** Generates a 2048-bit RSA signing key with a thumbprint-derived `kid`. */
export function generateSigningKey(): PrivateJwk {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = privateKey.export({ format: "jwk" });
  const kid = createHash("sha256").update(String(jwk.n)).digest("base64url").slice(0, 16);
  return { ...jwk, kid, alg: "RS256", use: "sig" };
}

/** One key shared by every emulator of this process (key generation costs ~100 ms; tests start many). */
export function processSigningKey(): PrivateJwk {
  processKey ??= generateSigningKey();
  return processKey;
}

let extraKey: PrivateJwk | undefined;

/** The second key a rotating JWKS publishes (see the `extraJwk` option); one per process. */
export function processExtraKey(): PrivateJwk {
  extraKey ??= generateSigningKey();
  return extraKey;
}
