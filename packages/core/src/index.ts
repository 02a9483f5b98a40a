export type { PolarApi } from "./api/client.js";
export { createPolarAuth, type PolarAuth, type PolarRequestContext } from "./auth.js";
export { type LoginFailure, PolarLoginError, PolarLoginRejectedError } from "./flow/login-error.js";
export type { PolarAuthOptions, PolarLogger, PolarLogin } from "./flow/options.js";
export { PolarSessionEndedError } from "./flow/refresh.js";
export { MAX_RETURN_TO_LENGTH, safeReturnTo } from "./flow/return-to.js";
export { keepSessionResponsePrivate } from "./http/no-store.js";
export type { AuthRequest, AuthResponse, SetCookie } from "./http/types.js";
export { SESSION_COOKIE_CACHE_CONTROL } from "./http/types.js";
export type { PolarOrganization, PolarSession, PolarUser } from "./session/data.js";
export {
  memoryRevocationStore,
  type RevocationResult,
  type SessionRevocationStore,
} from "./session/revocation.js";
export * from "./setup.js";
export {
  localRefreshCoordinator,
  memoryReplayGuard,
  type PolarStateStore,
  type RefreshCoordinator,
  type ReplayGuard,
  type StoreLimits,
} from "./state/store.js";
