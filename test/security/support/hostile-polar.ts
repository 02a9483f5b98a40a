import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { clearDiscoveryCache } from "@polar-oauth/core";
import * as jose from "jose";

/**
 * A Polar-compatible authorization server that can be told to misbehave, for the security
 * and reliability suites. It speaks Polar's protocol (discovery, JWKS, `/oauth2/authorize`,
 * `/v1/oauth2/token`, `/v1/oauth2/userinfo`, `/v1/oauth2/revoke`), signs RS256 id_tokens with
 * jose, and records what it received (client secrets, PKCE verifiers) and what it issued
 * (codes, tokens) so tests can scan every output for them.
 *
 * `/oauth2/authorize` has no pages: it answers straight away with a redirect back to the
 * `redirect_uri` carrying a code and the given state (the user is `test_user`, default alice).
 */

/** A raw HTTP answer a misbehaving endpoint sends instead of the normal one. */
export interface RawAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** An endpoint that never answers (until the server closes). */
export const HANG = "hang" as const;

/** Claims of an id_token before signing. */
export type Claims = Record<string, unknown>;

/** How an id_token is signed. */
export type Signing =
  | "rs256"
  | "none"
  | "bad-signature"
  | "unknown-kid"
  | "attacker-key-same-kid"
  /** No `kid` (as Polar's), signed by a key that is neither of the JWKS's two (a rotation). */
  | "no-kid-unknown-key"
  | "hs256-with-public-key"
  /** RS256's key, signing PS256; its JWKS entry then names no `alg` (optional in a JWK). */
  | "ps256";

/** One misbehaviour (or a few, for a scenario); everything absent behaves like Polar. */
export interface Misbehaviour {
  /** `issuer` of discovery (default: the server's own URL). */
  issuer?: string;
  /** Extra discovery fields (e.g. `authorization_response_iss_parameter_supported`). */
  discovery?: Record<string, unknown>;
  /** Rewrites the authorization response (`code`, `state`, …) before the redirect. */
  authorizationResponse?: (params: URLSearchParams, server: { issuer: string }) => void;
  /** Rewrites the id_token claims before signing. */
  idTokenClaims?: (claims: Claims) => Claims;
  idTokenSigning?: Signing;
  /** Replaces the token endpoint's answer to the code grant. */
  token?: RawAnswer | typeof HANG | { delayMs: number };
  /** Rewrites the code grant's JSON body. */
  tokenBody?: (body: Record<string, unknown>) => Record<string, unknown>;
  /** Replaces the token endpoint's answer to the refresh grant. */
  refresh?: RawAnswer | typeof HANG;
  /** Rewrites userinfo's JSON, or replaces its answer. */
  userinfo?: ((claims: Claims) => Claims) | RawAnswer | typeof HANG;
  /** Replaces the JWKS answer. */
  jwks?: RawAnswer | typeof HANG;
  /** Replaces the revocation endpoint's answer. */
  revoke?: RawAnswer | typeof HANG;
  /** Replaces discovery's answer. */
  discoveryAnswer?: RawAnswer | typeof HANG;
  /** Accepts a code more than once (real Polar refuses the second use). */
  reuseCodes?: boolean;
  /** Does not check the PKCE verifier. */
  skipPkce?: boolean;
  /** Seconds of `expires_in` on access tokens. Default 864000 (Polar's). */
  expiresIn?: number;
}

/** A user of the hostile server. */
export interface HostileUser {
  sub: string;
  email: string;
}

export const HOSTILE_USERS: Record<string, HostileUser> = {
  alice: { sub: "a11ce000-0000-4000-8000-00000000beef", email: "alice@hostile.test" },
  bob: { sub: "b0b00000-0000-4000-8000-00000000beef", email: "bob@hostile.test" },
};

interface CodeGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string | undefined;
  nonce: string | undefined;
  scope: string;
  user: HostileUser;
  uses: number;
}

/** What the server received and issued: every value that must never leak from the app. */
export interface HostileRecord {
  authorizeRequests: URLSearchParams[];
  tokenRequests: { params: URLSearchParams; authorization: string | undefined }[];
  userinfoRequests: number;
  revocations: URLSearchParams[];
  codes: string[];
  accessTokens: string[];
  refreshTokens: string[];
  idTokens: string[];
}

export interface HostilePolar {
  url: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  misbehaviour: Misbehaviour;
  record: HostileRecord;
  /** Every secret value the app must never print: client secret, verifiers, tokens. */
  secrets(): string[];
  /** Stops listening and drops every connection (Polar is down). */
  stop(): Promise<void>;
  /** Listens again on the same port (Polar is back). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const keys = (async () => {
  const main = await jose.generateKeyPair("RS256", { extractable: true });
  const attacker = await jose.generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await jose.exportJWK(main.publicKey)), kid: "hostile-key-1", alg: "RS256" };
  const spki = await jose.exportSPKI(main.publicKey);
  const previous = await jose.generateKeyPair("RS256", { extractable: true });
  const previousJwk = {
    ...(await jose.exportJWK(previous.publicKey)),
    kid: "hostile-key-0",
    alg: "RS256",
  };
  return { main, attacker, jwk, spki, previousJwk };
})();

/** Random token material in Polar's shape (prefix + alphanumerics). */
export function polarToken(prefix: string): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const bytes = randomBytes(43);
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/**
 * Starts the hostile server on 127.0.0.1 with one misbehaviour (changeable later through
 * `server.misbehaviour`). Clears core's discovery cache so a reused port never serves a
 * previous server's metadata.
 */
export async function startHostilePolar(
  misbehaviour: Misbehaviour = {},
  options: { clientSecret?: string; tokenPrefix?: string } = {},
): Promise<HostilePolar> {
  clearDiscoveryCache();
  const { main, attacker, jwk, spki, previousJwk } = await keys;
  const clientId = polarToken("polar_ci_");
  const clientSecret = options.clientSecret ?? polarToken("polar_cs_");
  const prefix = options.tokenPrefix ?? "";
  const codes = new Map<string, CodeGrant>();
  const accessTokens = new Map<string, HostileUser>();
  const refreshTokens = new Map<string, { user: HostileUser; scope: string }>();
  const record: HostileRecord = {
    authorizeRequests: [],
    tokenRequests: [],
    userinfoRequests: 0,
    revocations: [],
    codes: [],
    accessTokens: [],
    refreshTokens: [],
    idTokens: [],
  };

  let server: Server;
  let port = 0;
  let url = "";
  const state = { misbehaviour };
  const issuer = () => state.misbehaviour.issuer ?? url;

  const send = (res: ServerResponse, answer: RawAnswer | typeof HANG): void => {
    if (answer === HANG) return;
    res.writeHead(answer.status, answer.headers ?? {});
    res.end(answer.body ?? "");
  };
  const sendJson = (res: ServerResponse, status: number, body: unknown, extra = {}) =>
    send(res, {
      status,
      headers: { "content-type": "application/json", "cache-control": "no-store", ...extra },
      body: JSON.stringify(body),
    });
  const oauthError = (res: ServerResponse, status: number, error: string) =>
    sendJson(res, status, { error, error_description: `hostile server: ${error}` });

  async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  }

  function authenticate(req: IncomingMessage, params: URLSearchParams): boolean {
    const basic = req.headers.authorization;
    if (basic?.startsWith("Basic ")) {
      const [id, secret] = Buffer.from(basic.slice(6), "base64")
        .toString("utf8")
        .split(":")
        .map((part) => decodeURIComponent(part));
      return id === clientId && secret === clientSecret;
    }
    return params.get("client_id") === clientId && params.get("client_secret") === clientSecret;
  }

  async function idToken(grant: CodeGrant, accessToken: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    let claims: Claims = {
      iss: issuer(),
      aud: grant.clientId,
      sub: grant.user.sub,
      iat: now,
      exp: now + 3600,
      auth_time: now,
      at_hash: jose.base64url.encode(
        createHash("sha256").update(accessToken).digest().subarray(0, 16),
      ),
    };
    if (grant.nonce) claims.nonce = grant.nonce;
    if (grant.scope.split(" ").includes("email")) {
      claims.email = grant.user.email;
      claims.email_verified = true;
    }
    if (state.misbehaviour.idTokenClaims) claims = state.misbehaviour.idTokenClaims(claims);
    const signing = state.misbehaviour.idTokenSigning ?? "rs256";
    const jwt = (key: jose.CryptoKey | Uint8Array, header: jose.JWTHeaderParameters) =>
      new jose.SignJWT(claims as jose.JWTPayload).setProtectedHeader(header).sign(key);
    switch (signing) {
      case "rs256":
        return jwt(main.privateKey, { alg: "RS256", kid: jwk.kid, typ: "JWT" });
      case "none":
        return new jose.UnsecuredJWT(claims as jose.JWTPayload).encode();
      case "bad-signature": {
        const token = await jwt(main.privateKey, { alg: "RS256", kid: jwk.kid });
        const [h, p, s] = token.split(".") as [string, string, string];
        const bytes = jose.base64url.decode(s);
        bytes[10] = (bytes[10] ?? 0) ^ 0xff;
        return `${h}.${p}.${jose.base64url.encode(bytes)}`;
      }
      case "unknown-kid":
        return jwt(attacker.privateKey, { alg: "RS256", kid: "attacker-key" });
      case "attacker-key-same-kid":
        return jwt(attacker.privateKey, { alg: "RS256", kid: jwk.kid });
      case "no-kid-unknown-key":
        return jwt(attacker.privateKey, { typ: "JWT", alg: "RS256" });
      case "hs256-with-public-key":
        return jwt(new TextEncoder().encode(spki), { alg: "HS256", kid: jwk.kid });
      case "ps256":
        return jwt(
          (await jose.importJWK(await jose.exportJWK(main.privateKey), "PS256")) as jose.CryptoKey,
          { alg: "PS256", kid: jwk.kid, typ: "JWT" },
        );
    }
  }

  async function tokenEndpoint(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = await readForm(req);
    record.tokenRequests.push({ params, authorization: req.headers.authorization });
    const grantType = params.get("grant_type");
    if (grantType === "refresh_token") {
      if (state.misbehaviour.refresh) return send(res, state.misbehaviour.refresh);
      if (!authenticate(req, params)) return oauthError(res, 401, "invalid_client");
      const old = params.get("refresh_token") ?? "";
      const entry = refreshTokens.get(old);
      if (!entry) return oauthError(res, 400, "invalid_grant");
      refreshTokens.delete(old);
      const accessToken = polarToken(`polar_at_u_${prefix}`);
      const refreshToken = polarToken(`polar_rt_u_${prefix}`);
      accessTokens.set(accessToken, entry.user);
      refreshTokens.set(refreshToken, entry);
      record.accessTokens.push(accessToken);
      record.refreshTokens.push(refreshToken);
      return sendJson(res, 200, {
        access_token: accessToken,
        token_type: "Bearer",
        expires_in: 3600,
        refresh_token: refreshToken,
        scope: entry.scope,
      });
    }
    const token = state.misbehaviour.token;
    if (token !== undefined && !(typeof token === "object" && "delayMs" in token)) {
      return send(res, token);
    }
    if (token && "delayMs" in token) await new Promise((r) => setTimeout(r, token.delayMs));
    if (grantType !== "authorization_code") return oauthError(res, 400, "unsupported_grant_type");
    if (!authenticate(req, params)) return oauthError(res, 401, "invalid_client");
    const code = params.get("code") ?? "";
    const grant = codes.get(code);
    if (!grant || (grant.uses > 0 && !state.misbehaviour.reuseCodes)) {
      return oauthError(res, 400, "invalid_grant");
    }
    if (params.get("redirect_uri") !== grant.redirectUri) {
      return oauthError(res, 400, "invalid_grant");
    }
    if (!state.misbehaviour.skipPkce) {
      const verifier = params.get("code_verifier") ?? "";
      const challenge = jose.base64url.encode(createHash("sha256").update(verifier).digest());
      if (!grant.codeChallenge || challenge !== grant.codeChallenge) {
        return oauthError(res, 400, "invalid_grant");
      }
    }
    grant.uses++;
    const accessToken = polarToken(`polar_at_u_${prefix}`);
    const refreshToken = polarToken(`polar_rt_u_${prefix}`);
    accessTokens.set(accessToken, grant.user);
    refreshTokens.set(refreshToken, { user: grant.user, scope: grant.scope });
    record.accessTokens.push(accessToken);
    record.refreshTokens.push(refreshToken);
    let body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: state.misbehaviour.expiresIn ?? 864_000,
      refresh_token: refreshToken,
      scope: grant.scope,
    };
    if (grant.scope.split(" ").includes("openid")) {
      body.id_token = await idToken(grant, accessToken);
      record.idTokens.push(body.id_token as string);
    }
    if (state.misbehaviour.tokenBody) body = state.misbehaviour.tokenBody(body);
    sendJson(res, 200, body);
  }

  function authorize(query: URLSearchParams, res: ServerResponse): void {
    record.authorizeRequests.push(query);
    const redirectUri = query.get("redirect_uri");
    if (query.get("client_id") !== clientId || !redirectUri) {
      send(res, { status: 400, body: "unknown client or redirect_uri" });
      return;
    }
    const user = HOSTILE_USERS[query.get("test_user") ?? "alice"] ?? HOSTILE_USERS.alice!;
    const code = polarToken("polar_ac_");
    record.codes.push(code);
    codes.set(code, {
      clientId,
      redirectUri,
      codeChallenge: query.get("code_challenge") ?? undefined,
      nonce: query.get("nonce") ?? undefined,
      scope: query.get("scope") ?? "",
      user,
      uses: 0,
    });
    const response = new URLSearchParams({ code });
    const stateParam = query.get("state");
    if (stateParam !== null) response.set("state", stateParam);
    state.misbehaviour.authorizationResponse?.(response, { issuer: issuer() });
    const target = new URL(redirectUri);
    target.search = response.toString();
    send(res, { status: 302, headers: { location: target.href } });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = new URL(req.url ?? "/", url);
    const m = state.misbehaviour;
    switch (`${req.method} ${target.pathname}`) {
      case "GET /.well-known/openid-configuration":
        if (m.discoveryAnswer) return send(res, m.discoveryAnswer);
        return sendJson(res, 200, {
          issuer: issuer(),
          authorization_endpoint: `${url}/oauth2/authorize`,
          token_endpoint: `${url}/v1/oauth2/token`,
          userinfo_endpoint: `${url}/v1/oauth2/userinfo`,
          revocation_endpoint: `${url}/v1/oauth2/revoke`,
          jwks_uri: `${url}/.well-known/jwks.json`,
          response_types_supported: ["code"],
          grant_types_supported: ["authorization_code", "refresh_token"],
          code_challenge_methods_supported: ["S256", "plain"],
          token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
          id_token_signing_alg_values_supported: ["RS256"],
          subject_types_supported: ["public"],
          ...m.discovery,
        });
      case "GET /.well-known/jwks.json":
        if (m.jwks) return send(res, m.jwks);
        if (m.idTokenSigning === "ps256") {
          const { alg: _alg, ...anyAlg } = jwk;
          return sendJson(res, 200, { keys: [{ ...anyAlg, use: "sig" }] });
        }
        if (m.idTokenSigning === "no-kid-unknown-key") {
          return sendJson(res, 200, {
            keys: [
              { ...previousJwk, use: "sig" },
              { ...jwk, use: "sig" },
            ],
          });
        }
        return sendJson(res, 200, { keys: [{ ...jwk, use: "sig" }] });
      case "GET /oauth2/authorize":
        return authorize(target.searchParams, res);
      case "GET /v1/oauth2/authorize":
        // Polar's JSON authorize API (what the startup check probes): an anonymous caller is 401.
        return sendJson(res, 401, { detail: "Unauthorized" });
      case "POST /v1/oauth2/token":
        return tokenEndpoint(req, res);
      case "GET /v1/oauth2/userinfo":
      case "POST /v1/oauth2/userinfo": {
        record.userinfoRequests++;
        if (m.userinfo && typeof m.userinfo !== "function") return send(res, m.userinfo);
        const bearer = req.headers.authorization?.replace(/^Bearer /i, "") ?? "";
        const user = accessTokens.get(bearer);
        if (!user) return oauthError(res, 401, "invalid_token");
        let claims: Claims = { sub: user.sub, email: user.email, email_verified: true };
        if (typeof m.userinfo === "function") claims = m.userinfo(claims);
        return sendJson(res, 200, claims);
      }
      case "POST /v1/oauth2/revoke": {
        const params = await readForm(req);
        record.revocations.push(params);
        if (m.revoke) return send(res, m.revoke);
        const token = params.get("token") ?? "";
        refreshTokens.delete(token);
        accessTokens.delete(token);
        return sendJson(res, 200, {});
      }
      default:
        return send(res, { status: 404, body: "not found" });
    }
  }

  const listen = async () => {
    server = createServer((req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    server.keepAliveTimeout = 1000;
    server.listen(port, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}`;
  };
  await listen();

  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });

  return {
    get url() {
      return url;
    },
    get issuer() {
      return issuer();
    },
    clientId,
    clientSecret,
    get misbehaviour() {
      return state.misbehaviour;
    },
    set misbehaviour(value) {
      state.misbehaviour = value;
    },
    record,
    secrets() {
      return [
        clientSecret,
        ...record.tokenRequests.flatMap((r) => {
          const verifier = r.params.get("code_verifier");
          return verifier ? [verifier] : [];
        }),
        ...record.accessTokens,
        ...record.refreshTokens,
      ];
    },
    stop,
    restart: listen,
    close: stop,
  };
}
