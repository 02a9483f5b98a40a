import { ENVIRONMENTS, type Environment, envVarName } from "@polar-oauth/core/setup";
import { usageError } from "./exit-codes.js";

/**
 * The environment a command works on: `--env`, else `ENVIRONMENT` from the process
 * environment, else `development` (the same default as the app).
 */
export function resolveEnvironment(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Environment {
  const value = flag ?? env.ENVIRONMENT?.trim() ?? "development";
  const chosen = value === "" ? "development" : value;
  if (!ENVIRONMENTS.includes(chosen as Environment)) {
    const source = flag === undefined ? "ENVIRONMENT" : "--env";
    throw usageError(
      `${source} "${chosen}" is not an environment: use development, staging or production.`,
    );
  }
  return chosen as Environment;
}

/** The default credential file of an environment: `.env.<environment>.local`. */
export function defaultEnvFile(environment: Environment): string {
  return `.env.${environment}.local`;
}

/** The per-environment variables the CLI reads and writes, named for one environment. */
export interface CredentialVariableNames {
  clientId: string;
  clientSecret: string;
  registrationToken: string;
  redirectUri: string;
  previousClientId: string;
  previousRegistrationToken: string;
}

/** `POLAR_CLIENT_ID_PROD` and friends for an environment (via core's `envVarName`). */
export function credentialVariableNames(environment: Environment): CredentialVariableNames {
  return {
    clientId: envVarName("POLAR_CLIENT_ID", environment),
    clientSecret: envVarName("POLAR_CLIENT_SECRET", environment),
    registrationToken: envVarName("POLAR_REGISTRATION_TOKEN", environment),
    redirectUri: envVarName("POLAR_REDIRECT_URI", environment),
    previousClientId: envVarName("POLAR_PREVIOUS_CLIENT_ID", environment),
    previousRegistrationToken: envVarName("POLAR_PREVIOUS_REGISTRATION_TOKEN", environment),
  };
}
