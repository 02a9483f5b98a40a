import type { KoaContext } from "oidc-provider";
import { type ClientRecord, safeEqual } from "../client-registry.js";
import { type EmulatorEnv, requestOrigin } from "../emulator-env.js";
import { bearerToken, readBody, sendJson, sendOAuthError } from "../http-utils.js";
import { checkClientMetadata, type RegistrationCheck } from "../registration-rules.js";
import type { FixtureUser, RegisteredClientResponse } from "../types.js";
import { sendRateLimited } from "./rate-limited.js";

/** A 4xx answer of the registration API, as thrown by `Emulator.registerClient`. */
export class EmulatorApiError extends Error {
  readonly code = "EMULATOR_API_ERROR";
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`Polar emulator answered ${status}: ${JSON.stringify(body)}`);
    this.name = "EmulatorApiError";
  }
}

type Failure = Extract<RegistrationCheck, { ok: false }>;

/** Validates and stores a new client owned by `owner` (or nobody); shared by the route and `registerClient`. */
export function registerNewClient(
  env: EmulatorEnv,
  body: unknown,
  owner: FixtureUser | undefined,
  origin: string,
): { ok: true; response: RegisteredClientResponse } | Failure {
  const check = checkClientMetadata(body, "create");
  if (!check.ok) return check;
  const record = env.clients.create(check.metadata, { ownerId: owner?.id ?? null });
  return {
    ok: true,
    response: env.clients.toRegistrationResponse(record, origin, { includeSecret: true }),
  };
}

async function readJson(ctx: KoaContext): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const text = (await readBody(ctx.req)).toString("utf8");
  if (text.trim() === "") return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function sendInvalidJson(ctx: KoaContext): void {
  sendOAuthError(ctx, 400, "invalid_request", "The request body must be a JSON object.");
}

/** The fixture user whose PAT is in `Authorization: Bearer`, undefined if none; null if a bearer is present but unknown. */
function patOwner(ctx: KoaContext, env: EmulatorEnv): FixtureUser | undefined | null {
  const token = bearerToken(ctx);
  if (!token) return undefined;
  return env.fixtures.userByPat(token) ?? null;
}

function sendUnauthorized(ctx: KoaContext): void {
  ctx.set("WWW-Authenticate", 'Bearer realm="polar-emulator"');
  sendOAuthError(
    ctx,
    401,
    "invalid_token",
    "A valid Personal Access Token is required: Authorization: Bearer polar_pat_… (see the emulator's fixture users).",
  );
}

/** POST /v1/oauth2/register (RFC 7591): anonymous or with a fixture user's PAT (that user owns the client). */
export async function handleRegister(ctx: KoaContext, env: EmulatorEnv): Promise<void> {
  if (ctx.method !== "POST") {
    ctx.set("Allow", "POST");
    sendJson(ctx, 405, { detail: "Method Not Allowed" });
    return;
  }
  const owner = patOwner(ctx, env);
  if (owner === null) return sendUnauthorized(ctx);
  const decision = env.limiter.registration(owner ? `user:${owner.id}` : `ip:${ctx.ip}`);
  if (!decision.allowed)
    return sendRateLimited(ctx, env, decision, "client registrations per user");
  const json = await readJson(ctx);
  if (!json.ok) return sendInvalidJson(ctx);
  const result = registerNewClient(env, json.value, owner, requestOrigin(ctx));
  if (!result.ok) return sendJson(ctx, result.status, result.body);
  ctx.set("Location", result.response.registration_client_uri);
  sendJson(ctx, 201, result.response);
}

/** Authenticates RFC 7592 calls: the client's registration access token, or its owner's PAT. */
function authorizeManagement(
  ctx: KoaContext,
  env: EmulatorEnv,
  clientId: string,
): ClientRecord | undefined {
  const token = bearerToken(ctx);
  if (!token) {
    sendOAuthError(
      ctx,
      400,
      "access_denied",
      "Send Authorization: Bearer <registration_access_token> (or the owner's PAT).",
    );
    return undefined;
  }
  const client = env.clients.get(clientId);
  const owner = env.fixtures.userByPat(token);
  const allowed =
    client !== undefined &&
    (owner ? client.ownerId === owner.id : safeEqual(token, client.registrationAccessToken));
  if (!allowed) {
    ctx.set("WWW-Authenticate", 'Bearer realm="polar-emulator", error="invalid_client"');
    sendOAuthError(
      ctx,
      401,
      "invalid_client",
      "Unknown client, or the token does not grant access to it.",
    );
    return undefined;
  }
  return client;
}

/** GET / PUT / DELETE /v1/oauth2/register/{client_id} (RFC 7592). */
export async function handleClientConfiguration(
  ctx: KoaContext,
  env: EmulatorEnv,
  clientId: string,
): Promise<void> {
  if (!["GET", "PUT", "DELETE"].includes(ctx.method)) {
    ctx.set("Allow", "GET, PUT, DELETE");
    sendJson(ctx, 405, { detail: "Method Not Allowed" });
    return;
  }
  const client = authorizeManagement(ctx, env, clientId);
  if (!client) return;
  const origin = requestOrigin(ctx);

  if (ctx.method === "GET") {
    sendJson(
      ctx,
      200,
      env.clients.toRegistrationResponse(client, origin, { includeSecret: false }),
    );
    return;
  }

  if (ctx.method === "DELETE") {
    env.clients.delete(client.clientId);
    env.store.revokeClient(client.clientId);
    ctx.status = 204;
    ctx.body = null;
    return;
  }

  const json = await readJson(ctx);
  if (!json.ok) return sendInvalidJson(ctx);
  const check = checkClientMetadata(json.value, "update");
  if (!check.ok) return sendJson(ctx, check.status, check.body);
  if (check.clientId !== client.clientId) {
    sendOAuthError(
      ctx,
      400,
      "invalid_request",
      "client_id in the body must match the client being updated.",
    );
    return;
  }
  const secret = (json.value as Record<string, unknown>).client_secret;
  if (
    secret !== undefined &&
    (typeof secret !== "string" || !client.clientSecret || !safeEqual(secret, client.clientSecret))
  ) {
    sendOAuthError(
      ctx,
      400,
      "invalid_request",
      "client_secret in the body does not match the client's secret.",
    );
    return;
  }
  const updated = env.clients.update(client.clientId, check.metadata)!;
  sendJson(ctx, 200, env.clients.toRegistrationResponse(updated, origin, { includeSecret: false }));
}

function positiveInt(raw: string | string[] | undefined, fallback: number): number | undefined {
  if (raw === undefined) return fallback;
  if (Array.isArray(raw) || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** GET /v1/oauth2/?page=&limit=: the PAT owner's clients, newest first, limit ≤ 100. */
export function handleList(ctx: KoaContext, env: EmulatorEnv): void {
  if (ctx.method !== "GET") {
    ctx.set("Allow", "GET");
    sendJson(ctx, 405, { detail: "Method Not Allowed" });
    return;
  }
  const owner = patOwner(ctx, env);
  if (!owner) {
    sendUnauthorized(ctx);
    return;
  }
  const page = positiveInt(ctx.query.page, 1);
  const limit = positiveInt(ctx.query.limit, 10);
  const detail = [];
  if (page === undefined || page < 1) {
    detail.push({
      type: "greater_than",
      loc: ["query", "page"],
      msg: "Input should be greater than 0",
      input: ctx.query.page,
    });
  }
  if (limit === undefined || limit < 1 || limit > 100) {
    detail.push({
      type: "less_than_equal",
      loc: ["query", "limit"],
      msg: "Input should be an integer between 1 and 100",
      input: ctx.query.limit,
    });
  }
  if (detail.length > 0 || page === undefined || limit === undefined) {
    sendJson(ctx, 422, { detail });
    return;
  }
  const { items, totalCount } = env.clients.listByOwner(owner.id, page, limit);
  sendJson(ctx, 200, {
    items: items.map((item) => env.clients.toListItem(item)),
    pagination: { total_count: totalCount, max_page: Math.ceil(totalCount / limit) },
  });
}
