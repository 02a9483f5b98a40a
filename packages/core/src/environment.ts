/** The deployment environments the kit knows; each has its own Polar client. */
export const ENVIRONMENTS = ["development", "staging", "production"] as const;

/** `development` | `staging` | `production`, from the `ENVIRONMENT` variable. */
export type Environment = (typeof ENVIRONMENTS)[number];

/** Suffix of the per-environment variables (`POLAR_CLIENT_ID_DEV`, `_STAGING`, `_PROD`). */
export const ENVIRONMENT_SUFFIX: Readonly<Record<Environment, string>> = {
  development: "DEV",
  staging: "STAGING",
  production: "PROD",
};

/** The per-environment variable name, e.g. `envVarName("POLAR_CLIENT_ID", "production")`. */
export function envVarName(base: string, environment: Environment): string {
  return `${base}_${ENVIRONMENT_SUFFIX[environment]}`;
}
