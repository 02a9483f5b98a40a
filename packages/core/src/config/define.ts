import { PolarConfigError } from "../errors.js";
import { deepFreeze, toConfigIssues } from "./issues.js";
import { type PolarConfig, type PolarConfigInput, polarConfigSchema } from "./schema.js";

/**
 * Validates programmatic options and returns a frozen {@link PolarConfig}. Throws one
 * {@link PolarConfigError} listing every problem, each naming the option and its fix.
 *
 * @example
 * const config = definePolarConfig({
 *   environment: "development",
 *   server: "http://127.0.0.1:4000",
 *   clientId: "polar_ci_…",
 *   redirectUri: "http://localhost:3000/auth/callback",
 *   session: { secrets: process.env.SESSION_SECRET! },
 * });
 */
export function definePolarConfig(input: PolarConfigInput): PolarConfig {
  const parsed = polarConfigSchema.safeParse(input);
  if (!parsed.success) {
    const environment =
      input.environment === undefined
        ? "development"
        : typeof input.environment === "string"
          ? input.environment
          : undefined;
    throw new PolarConfigError(
      toConfigIssues(parsed.error.issues, (option, path = option) =>
        path === "session" ? "session.secrets" : path.startsWith("session.") ? path : option,
      ),
      environment,
    );
  }
  return deepFreeze(parsed.data);
}
