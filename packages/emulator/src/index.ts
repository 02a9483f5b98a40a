/**
 * @polar-oauth/emulator — a local, offline, Polar-compatible OAuth 2.0 / OpenID Connect server for
 * development, examples and tests.
 */
export { BrowserSession, type StoredCookie } from "./browser-session.js";
export {
  type AuthorizationChoice,
  AuthorizationFlowError,
  type AuthorizationOutcome,
  completeAuthorization,
} from "./complete-authorization.js";
export { POLAR_ISSUER, startEmulator } from "./emulator.js";
export {
  DEFAULT_FIXTURES,
  FixtureError,
  generateFixtures,
  generateFixtureUsers,
} from "./fixtures.js";
export { POLAR_SERVER_RATE_LIMITS, SEED_RATE_LIMITS } from "./rate-limit.js";
export { EmulatorApiError } from "./routes/registration.js";
export { POLAR_SCOPES } from "./scopes.js";
export type {
  ClientMetadataInput,
  ClientRegistration,
  Emulator,
  EmulatorFixtures,
  EmulatorFixturesInput,
  EmulatorOptions,
  EmulatorStats,
  FixtureOrganization,
  FixtureOrganizationInput,
  FixtureUser,
  FixtureUserInput,
  GrantType,
  RateLimitOption,
  RateLimits,
  RegisteredClientResponse,
  TokenEndpointAuthMethod,
} from "./types.js";
