import type { KoaContext } from "oidc-provider";
import { authenticateClient, CONFIDENTIAL_METHODS, sendClientAuthError } from "../client-auth.js";
import type { ClientRecord } from "../client-registry.js";
import type { EmulatorEnv } from "../emulator-env.js";
import {
  allowCors,
  mediaType,
  parseForm,
  readBody,
  sendJson,
  sendOAuthError,
} from "../http-utils.js";

/**
 * The shared front of revoke and introspect: POST only, form body, confidential client auth
 * as Authlib 1.7.2 does it (`client-auth.ts`), then its `check_params`. Answers the error
 * itself and returns undefined when the request cannot proceed.
 */
export async function acceptClientForm(
  ctx: KoaContext,
  env: EmulatorEnv,
): Promise<{ form: Record<string, string>; client: ClientRecord } | undefined> {
  if (allowCors(ctx, "POST")) return undefined;
  if (ctx.method !== "POST") {
    ctx.set("Allow", "POST");
    sendJson(ctx, 405, { detail: "Method Not Allowed" });
    return undefined;
  }
  const body = await readBody(ctx.req);
  if (body.length > 0 && mediaType(ctx) !== "application/x-www-form-urlencoded") {
    sendOAuthError(
      ctx,
      400,
      "invalid_request",
      "The body must be application/x-www-form-urlencoded.",
    );
    return undefined;
  }
  const form = parseForm(body);
  const auth = authenticateClient(ctx, form, env.clients, CONFIDENTIAL_METHODS, "other");
  if (!auth.ok) {
    sendClientAuthError(ctx, auth);
    return undefined;
  }
  // Authlib 1.7.2 rfc7009/rfc7662 check_params: no description on either error.
  if (form.token === undefined) {
    sendJson(ctx, 400, { error: "invalid_request" });
    return undefined;
  }
  const hint = form.token_type_hint;
  if (hint && hint !== "access_token" && hint !== "refresh_token") {
    // UnsupportedTokenTypeError is a ForbiddenError: 401.
    sendJson(ctx, 401, { error: "unsupported_token_type" });
    return undefined;
  }
  return { form, client: auth.client };
}
