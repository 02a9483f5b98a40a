import type { KoaContext } from "oidc-provider";
import { authenticateConfidentialClient } from "../client-auth.js";
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
 * The shared front of revoke and introspect: POST only, form body, confidential client auth.
 * Answers the error itself and returns undefined when the request cannot proceed.
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
  const auth = authenticateConfidentialClient(ctx, form, env.clients);
  if (!auth.ok) {
    // RFC 6749 §5.2: a challenge only when the client tried the Authorization header.
    if (auth.status === 401 && ctx.get("authorization"))
      ctx.set("WWW-Authenticate", 'Basic realm="polar-emulator", error="invalid_client"');
    sendOAuthError(ctx, auth.status, auth.error, auth.description);
    return undefined;
  }
  const hint = form.token_type_hint;
  if (hint !== undefined && hint !== "access_token" && hint !== "refresh_token") {
    sendOAuthError(
      ctx,
      400,
      "unsupported_token_type",
      `token_type_hint "${hint}" is not supported.`,
    );
    return undefined;
  }
  if (!form.token) {
    sendOAuthError(ctx, 400, "invalid_request", "Missing required parameter: token.");
    return undefined;
  }
  return { form, client: auth.client };
}
