import type { KoaContext } from "oidc-provider";
import { type ClientRecord, type ClientRegistry, safeEqual } from "./client-registry.js";
import { parseBasicAuth } from "./http-utils.js";

/** Result of authenticating a confidential client at revoke or introspect. */
export type ClientAuthResult =
  | { ok: true; client: ClientRecord }
  | { ok: false; status: 400 | 401; error: string; description: string };

const fail = (description: string): ClientAuthResult => ({
  ok: false,
  status: 401,
  error: "invalid_client",
  description,
});

/**
 * Polar's revoke and introspect accept `client_secret_basic` or `client_secret_post` only,
 * so public (`none`) clients cannot call them.
 */
export function authenticateConfidentialClient(
  ctx: KoaContext,
  form: Record<string, string>,
  clients: ClientRegistry,
): ClientAuthResult {
  const header = ctx.get("authorization");
  const basic = header ? parseBasicAuth(header) : undefined;
  if (header && /^Basic\s/i.test(header) && !basic)
    return fail("Malformed Basic authorization header.");
  if (basic && form.client_secret !== undefined) {
    return {
      ok: false,
      status: 400,
      error: "invalid_request",
      description: "Use one client authentication method, not two.",
    };
  }
  const clientId = basic?.clientId ?? form.client_id;
  const secret = basic?.clientSecret ?? form.client_secret;
  if (!clientId)
    return fail("Client authentication is required (client_secret_basic or client_secret_post).");
  const client = clients.get(clientId);
  if (!client) return fail("Unknown client.");
  if (client.metadata.token_endpoint_auth_method === "none" || !client.clientSecret) {
    return fail(
      "Public clients cannot use this endpoint: it requires client_secret_basic or client_secret_post.",
    );
  }
  if (!secret || !safeEqual(secret, client.clientSecret))
    return fail("Invalid client credentials.");
  return { ok: true, client };
}
