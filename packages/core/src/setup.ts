/**
 * `@polar-oauth/core/setup`: configuration, Polar servers, redirect-URI rules, the
 * registration API and the startup check — everything to configure and register a client,
 * without the login flow (so tools such as the CLI load neither openid-client nor the session code).
 */
export { definePolarConfig } from "./config/define.js";
export { type LoadPolarConfigOptions, loadPolarConfig } from "./config/load.js";
export {
  MIN_SESSION_SECRET_LENGTH,
  type PolarConfig,
  type PolarConfigInput,
  type PolarSessionConfig,
  polarConfigSchema,
  STARTUP_CHECK_MODES,
} from "./config/schema.js";
export { ENVIRONMENTS, type Environment, envVarName } from "./environment.js";
export {
  ERROR_REFERENCE,
  errorReference,
  PolarApiError,
  PolarConfigError,
  type PolarConfigIssue,
  PolarDiscoveryError,
  PolarError,
  PolarInsufficientScopeError,
  PolarRateLimitError,
  PolarServerMismatchError,
  PolarStoreUnavailableError,
  PolarUnreachableError,
  RedirectUriMismatchError,
  RegistrationMismatchError,
} from "./errors.js";
export { DEFAULT_TIMEOUT_MS, type HttpOptions } from "./http.js";
export { explainRedirectUriMismatch, type RedirectUriMismatch } from "./redirect-uri/explain.js";
export { isPythonPrivateIPv4, polarAcceptsRedirectUri } from "./redirect-uri/polar-rule.js";
export {
  isLocalHttpHost,
  type RedirectUriVerdict,
  validateRedirectUri,
} from "./redirect-uri/validate.js";
export {
  deleteClient,
  getClient,
  type RegistrationContext,
  registerClient,
  updateClient,
} from "./registration/api.js";
export {
  AUTH_METHODS,
  type AuthMethod,
  type ClientMetadata,
  type ClientMetadataInput,
  clientMetadataSchema,
  type RegisteredClient,
  SUB_TYPES,
  type SubType,
} from "./registration/schema.js";
export {
  DEFAULT_SCOPES,
  describeUnknownScope,
  isPolarScope,
  POLAR_SCOPES,
  type PolarScope,
  parseScopes,
  suggestScope,
} from "./scopes.js";
export { Secret, secret } from "./secret.js";
export { clearDiscoveryCache, getServerMetadata } from "./server/discovery.js";
export {
  allowsEmulatorInProduction,
  EMULATOR_METADATA_FIELD,
  isEmulatorMetadata,
  UNSAFE_EMULATOR_IN_PRODUCTION,
} from "./server/emulator.js";
export {
  AUTHORIZATION_API_PATH,
  authorizationApiEndpoint,
  POLAR_ISSUER,
  POLAR_SERVERS,
  type PolarServer,
  type PolarServerMetadata,
  registrationEndpoints,
  resolvePolarServer,
} from "./server/polar-servers.js";
export {
  allowsHttpLoopbackInProduction,
  checkServerTransport,
  isLoopbackHost,
  type ServerTransportVerdict,
  UNSAFE_HTTP_LOOPBACK_IN_PRODUCTION,
} from "./server/transport.js";
export {
  type RegistrationCheck,
  type VerifyRegistrationOptions,
  verifyRegistration,
} from "./startup-check.js";
