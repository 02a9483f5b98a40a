import { afterEach } from "vitest";
import { BrowserSession, completeAuthorization, startEmulator } from "../src/index.js";
import type { Emulator, EmulatorOptions, RegisteredClientResponse } from "../src/types.js";

const running: Emulator[] = [];

/** Starts an emulator that is closed after the current test. */
export async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const started = await startEmulator(options);
  running.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

export const REDIRECT_URI = "http://localhost:3000/auth/callback";

/** POST /v1/oauth2/register over HTTP. */
export async function register(
  emu: Emulator,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  body: Record<string, unknown> & Partial<RegisteredClientResponse>;
  headers: Headers;
}> {
  const response = await fetch(`${emu.url}/v1/oauth2/register`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    headers: response.headers,
  };
}

/** Registers a client and fails the test unless it worked. */
export async function registerOk(
  emu: Emulator,
  overrides: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<RegisteredClientResponse> {
  const result = await register(
    emu,
    { client_name: "Test App", redirect_uris: [REDIRECT_URI], ...overrides },
    headers,
  );
  if (result.status !== 201)
    throw new Error(`registration failed: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body as unknown as RegisteredClientResponse;
}

/** An authorization URL for `client` with the given extra parameters. */
export function authorizeUrl(
  emu: Emulator,
  client: { client_id: string },
  params: Record<string, string> = {},
): URL {
  const url = new URL(`${emu.url}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: client.client_id,
    redirect_uri: REDIRECT_URI,
    scope: "openid email",
    state: "state-123",
    ...params,
  }).toString();
  return url;
}

/** POST /v1/oauth2/token (or another form endpoint) and return status + JSON. */
export async function postForm(
  emu: Emulator,
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${emu.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: response.headers,
  };
}

/** Exchanges a code with client_secret_post credentials. */
export function redeemCode(
  emu: Emulator,
  client: RegisteredClientResponse,
  code: string,
  extra: Record<string, string> = {},
) {
  return postForm(emu, "/v1/oauth2/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT_URI,
    client_id: client.client_id,
    ...(client.client_secret ? { client_secret: client.client_secret } : {}),
    ...extra,
  });
}

/** Refreshes with client_secret_post credentials. */
export function refresh(emu: Emulator, client: RegisteredClientResponse, refreshToken: string) {
  return postForm(emu, "/v1/oauth2/token", {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: client.client_id,
    ...(client.client_secret ? { client_secret: client.client_secret } : {}),
  });
}

/** Introspects with client_secret_post credentials. */
export async function introspect(emu: Emulator, client: RegisteredClientResponse, token: string) {
  return (
    await postForm(emu, "/v1/oauth2/introspect", {
      token,
      client_id: client.client_id,
      client_secret: client.client_secret ?? "",
    })
  ).body;
}

/** GET /v1/oauth2/userinfo with a bearer token. */
export async function userinfo(
  emu: Emulator,
  accessToken: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emu.url}/v1/oauth2/userinfo`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Decodes a JWT payload without verifying it. */
export function jwtPayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

/**
 * Signs `user` in on the emulator's login page (through a throwaway anonymous client) and
 * returns the browser's `Cookie` header: the emulator's stand-in for a Polar dashboard session.
 */
export async function webSession(emu: Emulator, user = "alice@example.com"): Promise<string> {
  const session = new BrowserSession();
  const helper = await emu.registerClient({
    client_name: "Sign-in helper",
    redirect_uris: [REDIRECT_URI],
  });
  await completeAuthorization(authorizeUrl(emu, helper), { user, session });
  const cookie = session.header(new URL(`${emu.url}/v1/oauth2/`));
  if (!cookie) throw new Error("no session cookie after signing in");
  return cookie;
}
