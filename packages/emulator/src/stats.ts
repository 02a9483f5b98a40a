import type { EmulatorStats } from "./types.js";

/** The endpoints `stats().requests` counts. */
export type EndpointName = keyof EmulatorStats["requests"];

function empty(): EmulatorStats {
  return {
    requests: {
      discovery: 0,
      jwks: 0,
      authorize: 0,
      authorize_api: 0,
      token: 0,
      userinfo: 0,
      revoke: 0,
      introspect: 0,
      register: 0,
      registration_read: 0,
      registration_update: 0,
      registration_delete: 0,
      list: 0,
      organizations: 0,
      organization: 0,
      products: 0,
      orders: 0,
      subscriptions: 0,
    },
    tokenGrants: { authorization_code: 0, refresh_token: 0 },
    rateLimited: 0,
  };
}

/** Counts requests per endpoint, token requests per grant type, and 429 answers. */
export class StatsCollector {
  #stats = empty();

  request(endpoint: EndpointName): void {
    this.#stats.requests[endpoint]++;
  }

  tokenGrant(grantType: string | undefined): void {
    if (grantType === "authorization_code" || grantType === "refresh_token")
      this.#stats.tokenGrants[grantType]++;
  }

  rateLimited(): void {
    this.#stats.rateLimited++;
  }

  /** A copy, so callers can keep it while counting goes on. */
  snapshot(): EmulatorStats {
    return structuredClone(this.#stats);
  }

  reset(): void {
    this.#stats = empty();
  }
}

/** Which counted endpoint a request is for, or undefined for pages and unknown paths. */
export function endpointOf(method: string, path: string): EndpointName | undefined {
  if (method === "OPTIONS") return undefined;
  if (
    path === "/.well-known/openid-configuration" ||
    path === "/.well-known/oauth-authorization-server"
  ) {
    return "discovery";
  }
  if (path === "/.well-known/jwks.json") return "jwks";
  if (path === "/oauth2/authorize") return "authorize";
  if (path === "/v1/oauth2/authorize") return "authorize_api";
  if (path === "/v1/organizations/" || path === "/v1/organizations")
    return method === "GET" ? "organizations" : undefined;
  if (path.startsWith("/v1/organizations/")) return method === "GET" ? "organization" : undefined;
  for (const list of ["products", "orders", "subscriptions"] as const)
    if (path === `/v1/${list}/` || path === `/v1/${list}`)
      return method === "GET" ? list : undefined;
  if (path === "/v1/oauth2/token") return "token";
  if (path === "/v1/oauth2/userinfo") return "userinfo";
  if (path === "/v1/oauth2/revoke") return "revoke";
  if (path === "/v1/oauth2/introspect") return "introspect";
  if (path === "/v1/oauth2/register") return method === "POST" ? "register" : undefined;
  if (path.startsWith("/v1/oauth2/register/")) {
    if (method === "GET") return "registration_read";
    if (method === "PUT") return "registration_update";
    if (method === "DELETE") return "registration_delete";
    return undefined;
  }
  if (path === "/v1/oauth2/" || path === "/v1/oauth2") return method === "GET" ? "list" : undefined;
  return undefined;
}
