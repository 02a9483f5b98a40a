import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import * as oidc from "openid-client";
import { describe, expect, it } from "vitest";
import { verifyIdTokenSignature } from "../src/flow/id-token-signature.js";
import { PolarLoginError } from "../src/flow/login-error.js";

const JWKS_URI = "https://api.polar.test/.well-known/jwks.json";

function rsaKey(kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privateKey,
    jwk: { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" },
  };
}

/** An RS256 JWT with Polar's header (no kid) unless a kid is given. */
function jwt(key: KeyObject, kid?: string): string {
  const header = kid ? { typ: "JWT", alg: "RS256", kid } : { typ: "JWT", alg: "RS256" };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${encode(header)}.${encode({ sub: "user", nonce: null })}`;
  const signature = sign("sha256", Buffer.from(input), key);
  return `${input}.${signature.toString("base64url")}`;
}

/** A JWKS endpoint whose key set the test swaps (a rotation), counting its requests. */
function jwksServer(keys: unknown[]) {
  const served = { keys, requests: 0 };
  const fetch = (async (url: string | URL | Request) => {
    expect(String(url)).toBe(JWKS_URI);
    served.requests += 1;
    return new Response(JSON.stringify({ keys: served.keys }), {
      headers: { "content-type": "application/json" },
    });
  }) as typeof globalThis.fetch;
  return { served, fetch };
}

const configuration = () =>
  new oidc.Configuration({ issuer: "https://polar.sh", jwks_uri: JWKS_URI }, "polar_ci_test");

describe("verifyIdTokenSignature: Polar's id_token (no kid) against every RS256 key", () => {
  const current = rsaKey("current");
  const previous = rsaKey("previous");
  const next = rsaKey("next");

  it("verifies with the second of two keys, and fetches the JWKS once while it is fresh", async () => {
    const { served, fetch } = jwksServer([previous.jwk, current.jwk]);
    const config = configuration();
    const options = { fetch, timeoutMs: 1000, now: () => 0 };
    await verifyIdTokenSignature(config, jwt(current.privateKey), options);
    await verifyIdTokenSignature(config, jwt(current.privateKey), options);
    expect(served.requests).toBe(1);
  });

  it("a kid names the one key to use: another key's signature under it is refused", async () => {
    const { fetch } = jwksServer([previous.jwk, current.jwk]);
    const error = await verifyIdTokenSignature(
      configuration(),
      jwt(current.privateKey, "previous"),
      {
        fetch,
        timeoutMs: 1000,
        now: () => 0,
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolarLoginError);
    expect(error).toMatchObject({ failure: "id_token_invalid" });
  });

  it("after a rotation: a JWKS over a minute old is fetched again once, then the new key verifies", async () => {
    const { served, fetch } = jwksServer([previous.jwk, current.jwk]);
    let now = 0;
    const config = configuration();
    const options = { fetch, timeoutMs: 1000, now: () => now };
    await verifyIdTokenSignature(config, jwt(current.privateKey), options);
    served.keys = [current.jwk, next.jwk];
    now = 61_000;
    await verifyIdTokenSignature(config, jwt(next.privateKey), options);
    expect(served.requests).toBe(2);
  });

  it("a signature no key verifies is id_token_invalid, and a fresh JWKS is not fetched again for it", async () => {
    const { served, fetch } = jwksServer([previous.jwk, current.jwk]);
    const config = configuration();
    const options = { fetch, timeoutMs: 1000, now: () => 0 };
    await verifyIdTokenSignature(config, jwt(current.privateKey), options);
    const error = await verifyIdTokenSignature(config, jwt(next.privateKey), options).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      failure: "id_token_invalid",
      message: expect.not.stringContaining("eyJ"),
    });
    expect(served.requests).toBe(1);
  });
});
