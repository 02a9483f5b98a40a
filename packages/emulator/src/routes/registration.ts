import type { KoaContext } from "oidc-provider";
import {
  type ApiCaller,
  identifyCaller,
  sendInvalidToken,
  sendNotPermitted,
  sendUnauthorized,
} from "../api-caller.js";
import { type ClientRecord, safeEqual } from "../client-registry.js";
import { type EmulatorEnv, requestOrigin } from "../emulator-env.js";
import { readBody, sendJson, sendOAuthError } from "../http-utils.js";
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
  const check = checkClientMetadata(body, "create", env.scopes);
  if (!check.ok) return check;
  const record = env.clients.create(check.metadata, { ownerId: owner?.id ?? null });
  return { ok: true, response: env.clients.toRegistrationResponse(record, origin) };
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

/** A caller client management lets through: anonymous, a registration token or a web session. */
type ManagementCaller = Exclude<ApiCaller, { kind: "api_token" | "invalid_token" }>;

/**
 * Polar's `WebUserOrAnonymous` (server/polar/auth/dependencies.py): anonymous callers and web
 * sessions pass; an API token (PAT, OAuth access token) is refused with 403 `NotPermitted`, an
 * unknown token with 401 `invalid_token`. Answers and returns undefined when refused.
 */
async function webUserOrAnonymous(
  ctx: KoaContext,
  env: EmulatorEnv,
): Promise<ManagementCaller | undefined> {
  const caller = await identifyCaller(ctx, env);
  if (caller.kind === "invalid_token") return void sendInvalidToken(ctx);
  if (caller.kind === "api_token") return void sendNotPermitted(ctx);
  return caller;
}

/** POST /v1/oauth2/register (RFC 7591): anonymous, or a web session (that user owns the client). */
export async function handleRegister(ctx: KoaContext, env: EmulatorEnv): Promise<void> {
  if (ctx.method !== "POST") {
    ctx.set("Allow", "POST");
    sendJson(ctx, 405, { detail: "Method Not Allowed" });
    return;
  }
  const caller = await webUserOrAnonymous(ctx, env);
  if (!caller) return;
  const owner = caller.kind === "web_session" ? caller.user : undefined;
  const decision = env.limiter.registration(owner ? `user:${owner.id}` : `ip:${ctx.ip}`);
  if (!decision.allowed) return sendRateLimited(ctx, env, decision);
  const json = await readJson(ctx);
  if (!json.ok) return sendInvalidJson(ctx);
  const result = registerNewClient(env, json.value, owner, requestOrigin(ctx));
  if (!result.ok) return sendJson(ctx, result.status, result.body);
  ctx.set("Location", result.response.registration_client_uri);
  sendJson(ctx, 201, result.response);
}

/**
 * Authlib's RFC 7592 `ClientConfigurationEndpoint` with Polar's overrides
 * (server/polar/oauth2/authorization_server.py): the credential is the web session's user, else
 * the bearer token; none → 400 `access_denied`; a deleted or unknown client, a token that is
 * not this client's registration token, or a user who does not own it → 401 `invalid_client`.
 */
function authorizeManagement(
  ctx: KoaContext,
  env: EmulatorEnv,
  caller: ManagementCaller,
  clientId: string,
): ClientRecord | undefined {
  if (caller.kind === "anonymous") {
    sendOAuthError(
      ctx,
      400,
      "access_denied",
      "The resource owner or authorization server denied the request",
    );
    return undefined;
  }
  const client = env.clients.get(clientId);
  const allowed =
    client !== undefined &&
    (caller.kind === "web_session"
      ? client.ownerId === caller.user.id
      : safeEqual(caller.token, client.registrationAccessToken));
  if (!allowed) {
    sendOAuthError(ctx, 401, "invalid_client", "The client does not exist on this server.");
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
  const caller = await webUserOrAnonymous(ctx, env);
  if (!caller) return;
  // FastAPI validates the PUT body before Polar's handler (and so Authlib) runs.
  let check: RegistrationCheck | undefined;
  let body: Record<string, unknown> = {};
  if (ctx.method === "PUT") {
    const json = await readJson(ctx);
    if (!json.ok) return sendInvalidJson(ctx);
    check = checkClientMetadata(json.value, "update", env.scopes);
    if (!check.ok) return sendJson(ctx, check.status, check.body);
    body = json.value as Record<string, unknown>;
  }
  const client = authorizeManagement(ctx, env, caller, clientId);
  if (!client) return;
  const origin = requestOrigin(ctx);

  if (ctx.method === "GET") {
    sendJson(ctx, 200, env.clients.toRegistrationResponse(client, origin));
    return;
  }

  if (ctx.method === "DELETE") {
    // Soft delete, no token revoked: Polar's delete_client is set_deleted_at(), its
    // revoke_access_token a no-op. Issued access tokens keep working until they expire.
    env.clients.softDelete(client.clientId);
    ctx.status = 204;
    ctx.body = null;
    return;
  }

  if (!check?.ok) return;
  if (check.clientId !== client.clientId) {
    sendOAuthError(
      ctx,
      400,
      "invalid_request",
      "client_id in the body must match the client being updated.",
    );
    return;
  }
  const secret = body.client_secret;
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
  sendJson(ctx, 200, env.clients.toRegistrationResponse(updated, origin));
}

function positiveInt(raw: string | string[] | undefined, fallback: number): number | undefined {
  if (raw === undefined) return fallback;
  if (Array.isArray(raw) || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * GET /v1/oauth2/?page=&limit=: the signed-in user's clients, newest first; a limit above 100
 * is capped at 100, as Polar's `get_pagination_params` (`server/polar/kit/pagination.py`) does.
 * Polar's `AuthorizeWebUserRead`: a web session only; an API token → 403 `NotPermitted`,
 * no credential (or a registration token, which is anonymous) → 401 `Unauthorized`.
 */
export async function handleList(ctx: KoaContext, env: EmulatorEnv): Promise<void> {
  if (ctx.method !== "GET") {
    ctx.set("Allow", "GET");
    sendJson(ctx, 405, { detail: "Method Not Allowed" });
    return;
  }
  const caller = await identifyCaller(ctx, env);
  if (caller.kind === "invalid_token") return sendInvalidToken(ctx);
  if (caller.kind === "api_token") return sendNotPermitted(ctx);
  if (caller.kind !== "web_session") return sendUnauthorized(ctx);
  const owner = caller.user;
  const page = positiveInt(ctx.query.page, 1);
  // kit/pagination.py get_pagination_params: limit > 0, then min(API_PAGINATION_MAX_LIMIT, limit).
  const requestedLimit = positiveInt(ctx.query.limit, 10);
  const limit = requestedLimit === undefined ? undefined : Math.min(100, requestedLimit);
  const detail = [];
  if (page === undefined || page < 1) {
    detail.push({
      type: "greater_than",
      loc: ["query", "page"],
      msg: "Input should be greater than 0",
      input: ctx.query.page,
    });
  }
  if (limit === undefined || limit < 1) {
    detail.push({
      type: "greater_than",
      loc: ["query", "limit"],
      msg: "Input should be greater than 0",
      input: ctx.query.limit,
    });
  }
  if (detail.length > 0 || page === undefined || limit === undefined) {
    sendJson(ctx, 422, { error: "RequestValidationError", detail });
    return;
  }
  const { items, totalCount } = env.clients.listByOwner(owner.id, page, limit);
  sendJson(ctx, 200, {
    items: items.map((item) => env.clients.toListItem(item)),
    pagination: { total_count: totalCount, max_page: Math.ceil(totalCount / limit) },
  });
}
