import type { ClientRecord } from "./client-registry.js";
import type { EmulatorEnv } from "./emulator-env.js";

/** An authorization request Polar refuses without redirecting: HTTP 400 from its API, an error on its page. */
export interface AuthorizeRefusal {
  ok: false;
  error: string;
  description: string;
}

/** The client and the redirect URI an authorization request resolved to. */
export interface AuthorizeTarget {
  ok: true;
  client: ClientRecord;
  /** The requested redirect_uri, or the first registered one when none was sent. */
  redirectUri: string;
}

const SINGLE_PARAMETERS = ["response_type", "client_id", "redirect_uri", "scope", "state"];

/**
 * The checks Polar makes before it trusts the redirect URI, in Authlib's order
 * (`AuthorizationServer.get_consent_grant` → `validate_no_multiple_request_parameter` →
 * `validate_code_authorization_request`: client_id, then the redirect URI, exact string match).
 * Every refusal here is answered without a redirect: 400 JSON from `GET /v1/oauth2/authorize`,
 * an error page from the browser page.
 */
export function checkClientAndRedirect(
  env: EmulatorEnv,
  query: URLSearchParams,
): AuthorizeTarget | AuthorizeRefusal {
  for (const name of SINGLE_PARAMETERS) {
    if (query.getAll(name).length > 1) {
      return { ok: false, error: "invalid_request", description: `Multiple '${name}' in request.` };
    }
  }
  const clientId = query.get("client_id");
  if (!clientId) {
    return { ok: false, error: "invalid_client", description: "Missing 'client_id' parameter." };
  }
  const client = env.clients.get(clientId);
  if (!client) {
    return {
      ok: false,
      error: "invalid_client",
      description: "The client does not exist on this server.",
    };
  }
  const requested = query.get("redirect_uri");
  if (requested) {
    if (!client.metadata.redirect_uris.includes(requested)) {
      return {
        ok: false,
        error: "invalid_request",
        description: `Redirect URI ${requested} is not supported by client.`,
      };
    }
    return { ok: true, client, redirectUri: requested };
  }
  const first = client.metadata.redirect_uris[0];
  if (!first) {
    return {
      ok: false,
      error: "invalid_request",
      description: "Missing 'redirect_uri' in request.",
    };
  }
  return { ok: true, client, redirectUri: first };
}
