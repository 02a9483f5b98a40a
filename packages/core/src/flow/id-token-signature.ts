import { createPublicKey, type JsonWebKey, verify } from "node:crypto";
import type * as oidc from "openid-client";
import { PolarApiError, PolarUnreachableError } from "../errors.js";
import { isRecord, requestPolar } from "../http.js";
import { PolarLoginError } from "./login-error.js";

/** A fetched JWKS is used this long before it is fetched again (oauth4webapi's 5 minutes). */
const JWKS_MAX_AGE_MS = 300_000;
/** A JWKS at least this old is fetched again, once, when no key of it verifies (a rotation). */
const JWKS_REFRESH_AFTER_MS = 60_000;

interface FetchedJwks {
  keys: JsonWebKey[];
  fetchedAt: number;
}

/** Network and clock for {@link verifyIdTokenSignature}. */
export interface IdTokenSignatureOptions {
  fetch?: typeof fetch | undefined;
  timeoutMs: number;
  now: () => number;
}

const fetched = new WeakMap<oidc.Configuration, FetchedJwks>();

/**
 * Verifies the RS256 signature of an id_token (whose claims openid-client has already checked)
 * against Polar's JWKS. Polar's id_tokens carry no `kid` (`JWT_CONFIG` in
 * `server/polar/oauth2/constants.py`) and its JWKS holds two RSA keys while it rotates them,
 * which openid-client's own check refuses ("multiple applicable keys found"): without a `kid`,
 * every RS256 key of the set is tried; with one, only the key it names. When no key verifies
 * and the JWKS is over a minute old, it is fetched again once. Throws {@link PolarLoginError}
 * `id_token_invalid` (or the JWKS request's error); the token never enters a message.
 */
export async function verifyIdTokenSignature(
  configuration: oidc.Configuration,
  idToken: string,
  options: IdTokenSignatureOptions,
): Promise<void> {
  const [encodedHeader = "", encodedPayload = "", encodedSignature = ""] = idToken.split(".");
  const header = parseHeader(encodedHeader);
  if (header?.alg !== "RS256") {
    throw new PolarLoginError("id_token_invalid", { detail: 'id_token: "alg" is not RS256' });
  }
  const signingInput = Buffer.from(`${encodedHeader}.${encodedPayload}`);
  const signature = Buffer.from(encodedSignature, "base64url");
  const kid = typeof header.kid === "string" ? header.kid : undefined;

  let jwks = fetched.get(configuration);
  const cached = jwks !== undefined && options.now() - jwks.fetchedAt < JWKS_MAX_AGE_MS;
  if (!jwks || !cached) jwks = await fetchJwks(configuration, options);
  let candidates = rs256Keys(jwks.keys, kid);
  if (candidates.some((key) => verifies(key, signingInput, signature))) return;
  if (cached && options.now() - jwks.fetchedAt >= JWKS_REFRESH_AFTER_MS) {
    jwks = await fetchJwks(configuration, options);
    candidates = rs256Keys(jwks.keys, kid);
    if (candidates.some((key) => verifies(key, signingInput, signature))) return;
  }
  throw new PolarLoginError("id_token_invalid", {
    detail:
      candidates.length === 0
        ? `id_token: no RS256 key in the JWKS${kid === undefined ? "" : " has its kid"}`
        : `id_token: the signature verifies with none of the JWKS's ${candidates.length} RS256 key(s)`,
  });
}

function parseHeader(encoded: string): Record<string, unknown> | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
    return isRecord(header) ? header : undefined;
  } catch {
    return undefined;
  }
}

async function fetchJwks(
  configuration: oidc.Configuration,
  options: IdTokenSignatureOptions,
): Promise<FetchedJwks> {
  const uri = configuration.serverMetadata().jwks_uri;
  if (!uri) throw new PolarLoginError("id_token_invalid", { detail: "no jwks_uri in discovery" });
  const where = `from ${new URL(uri).pathname}`;
  let body: unknown;
  try {
    ({ body } = await requestPolar(
      "jwks",
      uri,
      { headers: { accept: "application/json, application/jwk-set+json" } },
      { fetch: options.fetch, timeoutMs: options.timeoutMs },
    ));
  } catch (error) {
    if (error instanceof PolarUnreachableError) {
      const cause = (error as { cause?: { name?: string } }).cause;
      const timedOut = cause?.name === "TimeoutError" || cause?.name === "AbortError";
      throw new PolarLoginError("polar_unreachable", {
        detail: `JWKS: ${timedOut ? "timeout" : "connection failed"}`,
      });
    }
    if (!(error instanceof PolarApiError)) throw error;
    throw new PolarLoginError("token_exchange_failed", {
      detail: `JWKS: HTTP ${error.status} ${where}`,
    });
  }
  if (!isRecord(body) || !Array.isArray(body.keys)) {
    throw new PolarLoginError("token_exchange_failed", { detail: `JWKS: not a JWK Set ${where}` });
  }
  const jwks = { keys: body.keys.filter(isRecord) as JsonWebKey[], fetchedAt: options.now() };
  fetched.set(configuration, jwks);
  return jwks;
}

/** The keys of the set that may verify an RS256 signature (and carry the header's `kid`, if any). */
function rs256Keys(keys: JsonWebKey[], kid: string | undefined): JsonWebKey[] {
  return keys.filter((key) => {
    const jwk = key as JsonWebKey & { kid?: unknown; key_ops?: unknown };
    if (jwk.kty !== "RSA") return false;
    if (jwk.alg !== undefined && jwk.alg !== "RS256") return false;
    if (jwk.use !== undefined && jwk.use !== "sig") return false;
    if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes("verify")) return false;
    return kid === undefined || jwk.kid === kid;
  });
}

function verifies(jwk: JsonWebKey, signingInput: Buffer, signature: Buffer): boolean {
  try {
    const { kty, n, e } = jwk;
    const key = createPublicKey({ key: { kty, n, e }, format: "jwk" });
    return verify("sha256", signingInput, key, signature);
  } catch {
    return false;
  }
}
