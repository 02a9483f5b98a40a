import { type Environment, loadPolarConfig, type PolarConfig } from "@polar-oauth/core/setup";
import type { LayeredEnv } from "./env-sources.js";

/**
 * The variables the app would see, for core's `loadPolarConfig`: the layered environment with
 * `ENVIRONMENT` set to the chosen environment and `POLAR_SERVER` to `--server` when given.
 */
export function appEnv(
  layered: LayeredEnv,
  environment: Environment,
  server: string | undefined,
): Record<string, string | undefined> {
  return {
    ...layered.values,
    ENVIRONMENT: environment,
    ...(server === undefined ? {} : { POLAR_SERVER: server }),
  };
}

/**
 * Loads the app's configuration as the app does. With `requireSession` false (the default)
 * the session settings are left out entirely: the Polar client settings are checked on their
 * own, and `doctor` reports SESSION_SECRET separately.
 */
export function loadAppConfig(
  layered: LayeredEnv,
  environment: Environment,
  server: string | undefined,
  requireSession = false,
): PolarConfig {
  const env = appEnv(layered, environment, server);
  if (!requireSession) delete env.SESSION_SECRET;
  return loadPolarConfig(env, { requireSession });
}
