import { createPrivateKey, sign } from "node:crypto";
import type { PrivateJwk } from "./signing-key.js";

/**
 * Rewrites oidc-provider's id_token into the one Polar issues: Authlib 1.7.2's
 * `OpenIDToken.encode_id_token` (`authlib/oidc/core/grants/code.py`) always sets `nonce` (from
 * the authorization code: `null` when none was sent), `aud` is `[client_id]`
 * (`_legacy.py` `get_compatible_claims`), and the header is `{"typ":"JWT","alg":"RS256"}`
 * with no `kid`: Polar's `JWT_CONFIG` (`server/polar/oauth2/constants.py`) names none.
 */
export function toPolarIdToken(idToken: string, signingKey: PrivateJwk): string {
  const [, encodedPayload] = idToken.split(".");
  const payload = JSON.parse(Buffer.from(encodedPayload ?? "", "base64url").toString("utf8")) as {
    aud?: unknown;
    nonce?: unknown;
  };
  const claims = {
    ...payload,
    aud: Array.isArray(payload.aud) ? payload.aud : [payload.aud],
    nonce: payload.nonce ?? null,
  };
  const header = { typ: "JWT", alg: "RS256" };
  const signingInput = `${encode(header)}.${encode(claims)}`;
  const key = createPrivateKey({ key: signingKey, format: "jwk" });
  const signature = sign("sha256", Buffer.from(signingInput), key).toString("base64url");
  return `${signingInput}.${signature}`;
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
