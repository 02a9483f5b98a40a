// The stored shape of a client, shared by the public types (types.ts) and Polar's registration
// rules (registration-rules.ts) without either importing the other.

/** How a client authenticates at the token endpoint (Polar accepts exactly the registered one). */
export type TokenEndpointAuthMethod = "client_secret_post" | "client_secret_basic" | "none";
/** The grants Polar supports for third-party clients. */
export type GrantType = "authorization_code" | "refresh_token";

/** Client metadata after Polar's validation and normalisation, as stored. */
export interface PolarClientMetadata {
  client_name: string;
  redirect_uris: string[];
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  grant_types: GrantType[];
  response_types: string[];
  scope: string;
  client_uri?: string;
  logo_uri?: string;
  tos_uri?: string;
  policy_uri?: string;
}
