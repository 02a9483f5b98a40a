import type { KoaContext } from "oidc-provider";
import type { TokenEndpointAuthMethod } from "./client-metadata.js";
import { type ClientRecord, type ClientRegistry, safeEqual } from "./client-registry.js";
import { parseBasicAuth, sendJson } from "./http-utils.js";

/** Result of authenticating a client the way Authlib 1.7.2 does. */
export type ClientAuthResult =
  | { ok: true; client: ClientRecord; method: TokenEndpointAuthMethod }
  | { ok: false; status: 400 | 401; error: "invalid_client"; description: string };

/** Revoke and introspect: Polar's `CLIENT_AUTH_METHODS` (public clients cannot call them). */
export const CONFIDENTIAL_METHODS = ["client_secret_basic", "client_secret_post"] as const;
/** The token endpoint: Polar's grants' `TOKEN_ENDPOINT_AUTH_METHODS`. */
export const TOKEN_METHODS = ["client_secret_basic", "client_secret_post", "none"] as const;

const NO_CLIENT = "The client does not exist on this server.";

/**
 * Authlib 1.7.2's `ClientAuthentication.authenticate`
 * (`authlib/oauth2/rfc6749/authenticate_client.py`): tries each method in order; an unknown
 * client id is 401 through Basic and 400 in the body ("The client does not exist on this
 * server."); a client found by a method it did not register for (`check_endpoint_auth_method`
 * compares only at the token endpoint) or a wrong secret falls through; when none works, 401
 * "The client cannot authenticate with methods: [...]" (Python's list repr).
 */
export function authenticateClient(
  ctx: KoaContext,
  form: Record<string, string>,
  clients: ClientRegistry,
  methods: readonly TokenEndpointAuthMethod[],
  endpoint: "token" | "other",
): ClientAuthResult {
  const allowed = (client: ClientRecord, method: TokenEndpointAuthMethod) =>
    endpoint !== "token" || client.metadata.token_endpoint_auth_method === method;
  for (const method of methods) {
    if (method === "client_secret_basic") {
      const basic = parseBasicAuth(ctx.get("authorization"));
      if (!basic?.clientId || !basic.clientSecret) continue;
      const client = clients.get(basic.clientId);
      if (!client)
        return { ok: false, status: 401, error: "invalid_client", description: NO_CLIENT };
      if (secretMatches(client, basic.clientSecret) && allowed(client, method))
        return { ok: true, client, method };
    } else if (method === "client_secret_post") {
      if (!form.client_id || !form.client_secret) continue;
      const client = clients.get(form.client_id);
      if (!client)
        return { ok: false, status: 400, error: "invalid_client", description: NO_CLIENT };
      if (secretMatches(client, form.client_secret) && allowed(client, method))
        return { ok: true, client, method };
    } else {
      if (!form.client_id || form.client_secret) continue;
      const client = clients.get(form.client_id);
      if (!client)
        return { ok: false, status: 400, error: "invalid_client", description: NO_CLIENT };
      if (allowed(client, method)) return { ok: true, client, method };
    }
  }
  const listed = methods.map((method) => `'${method}'`).join(", ");
  return {
    ok: false,
    // Authlib answers 401 whenever client_secret_basic is one of the methods.
    status: methods.includes("client_secret_basic") ? 401 : 400,
    error: "invalid_client",
    description: `The client cannot authenticate with methods: [${listed}]`,
  };
}

/** Answers a failed client authentication as Authlib's `InvalidClientError` does (401 with a Basic challenge). */
export function sendClientAuthError(
  ctx: KoaContext,
  failure: Extract<ClientAuthResult, { ok: false }>,
): void {
  if (failure.status === 401) {
    const description = failure.description.replaceAll('"', "|");
    ctx.set(
      "WWW-Authenticate",
      `Basic error="${failure.error}", error_description="${description}"`,
    );
  }
  sendJson(ctx, failure.status, { error: failure.error, error_description: failure.description });
}

function secretMatches(client: ClientRecord, secret: string): boolean {
  return client.clientSecret !== undefined && safeEqual(secret, client.clientSecret);
}
