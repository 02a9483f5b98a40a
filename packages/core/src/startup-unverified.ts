import type { PolarConfig } from "./config/schema.js";
import { envVarName } from "./environment.js";

/**
 * What the startup check cannot see without a registration token: Polar's authorize API (the
 * probe) accepts a client and redirect URI whatever scope and auth method the client was
 * registered with. A scope in `POLAR_SCOPES` the client lacks is left out of the token
 * (Authlib's `client.get_allowed_scope`), so API calls get 403 later; another auth method fails
 * every token exchange with `invalid_client`. Says which variable lets the check see both.
 */
export function unverifiedWithoutRegistrationToken(config: PolarConfig): string {
  const tokenVar = envVarName("POLAR_REGISTRATION_TOKEN", config.environment);
  return `without ${tokenVar} the startup check cannot see the scope and token_endpoint_auth_method client ${config.clientId} was registered with: a scope of POLAR_SCOPES (${config.scopes.join(" ")}) the client lacks is silently left out of its tokens (API calls then get 403), and an auth method other than ${config.authMethod} fails every sign-in at the token exchange (invalid_client). Fix: set ${tokenVar} to the client's registration token (\`polar-oauth bootstrap\` prints it) so the check reads the client back and compares both.`;
}
