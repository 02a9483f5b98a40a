import { cleanEnv, EnvError, makeValidator, str } from "envalid";
import { ENVIRONMENTS, type Environment, envVarName } from "../environment.js";
import { PolarConfigError, type PolarConfigIssue } from "../errors.js";
import { allowsEmulatorInProduction } from "../server/emulator.js";
import { allowsHttpLoopbackInProduction } from "../server/transport.js";
import { deepFreeze, toConfigIssues } from "./issues.js";
import { type PolarConfig, type PolarConfigInput, polarConfigSchema } from "./schema.js";

/** The variables that have one value per environment (`_DEV`, `_STAGING`, `_PROD`). */
const PER_ENVIRONMENT = {
  clientId: "POLAR_CLIENT_ID",
  clientSecret: "POLAR_CLIENT_SECRET",
  redirectUri: "POLAR_REDIRECT_URI",
  registrationAccessToken: "POLAR_REGISTRATION_TOKEN",
} as const;

/** The variables shared by every environment. */
const SHARED = {
  environment: "ENVIRONMENT",
  server: "POLAR_SERVER",
  authMethod: "POLAR_AUTH_METHOD",
  scopes: "POLAR_SCOPES",
  subType: "POLAR_SUB_TYPE",
  session: "SESSION_SECRET",
  startupCheck: "POLAR_STARTUP_CHECK",
  timeoutMs: "POLAR_TIMEOUT_MS",
} as const;

/** Options whose values may be quoted back in an error (never a secret). */
const SHOWABLE = new Set([
  "server",
  "clientId",
  "redirectUri",
  "authMethod",
  "subType",
  "startupCheck",
]);

/** Options for {@link loadPolarConfig}. */
export interface LoadPolarConfigOptions {
  /**
   * Read and require SESSION_SECRET (apps do). `false` ignores it entirely: the CLI's
   * registration commands need no session. Default true.
   */
  requireSession?: boolean;
}

/**
 * Reads the environment contract and returns a frozen, typed {@link PolarConfig}.
 *
 * `ENVIRONMENT` (development | staging | production, default development; required when
 * `NODE_ENV=production`, which alone is refused rather than guessed) picks the
 * per-environment variables `POLAR_CLIENT_ID_<DEV|STAGING|PROD>`, `POLAR_CLIENT_SECRET_…`,
 * `POLAR_REDIRECT_URI_…`, `POLAR_REGISTRATION_TOKEN_…`; their unsuffixed forms override when
 * set. Also read: `POLAR_SERVER`, `POLAR_AUTH_METHOD`, `POLAR_SCOPES`, `POLAR_SUB_TYPE`,
 * `SESSION_SECRET` (comma-separated to rotate), `POLAR_STARTUP_CHECK`, `POLAR_TIMEOUT_MS`.
 *
 * Throws one {@link PolarConfigError} listing every problem with the variable's name, the
 * environment it was looked up for, and the fix. Secret values never appear in it.
 */
export function loadPolarConfig(
  env: Record<string, string | undefined> = process.env,
  options: LoadPolarConfigOptions = {},
): PolarConfig {
  const issues: PolarConfigIssue[] = [];
  const raw = readEnvironment(env, issues);
  const environment = raw.environment;

  /** Which variable supplies each option: the override when set, else the suffixed one. */
  const variableFor = (option: string): string => {
    if (option in PER_ENVIRONMENT) {
      const base = PER_ENVIRONMENT[option as keyof typeof PER_ENVIRONMENT];
      return present(env[base]) ? base : envVarName(base, environment);
    }
    return SHARED[option as keyof typeof SHARED] ?? option;
  };

  if (options.requireSession !== false && raw.SESSION_SECRET === undefined) {
    issues.push({
      variable: "SESSION_SECRET",
      problem: "is missing.",
      fix: "Set SESSION_SECRET to at least 32 random characters (e.g. `openssl rand -base64 32`).",
    });
  }

  const input: PolarConfigInput = {
    environment,
    server: raw.POLAR_SERVER,
    clientId: raw.clientId as string,
    clientSecret: raw.clientSecret,
    redirectUri: raw.redirectUri as string,
    registrationAccessToken: raw.registrationAccessToken,
    authMethod: raw.POLAR_AUTH_METHOD as PolarConfigInput["authMethod"],
    scopes: raw.POLAR_SCOPES,
    subType: raw.POLAR_SUB_TYPE as PolarConfigInput["subType"],
    session:
      raw.SESSION_SECRET === undefined || options.requireSession === false
        ? undefined
        : { secrets: raw.SESSION_SECRET },
    startupCheck: raw.POLAR_STARTUP_CHECK as PolarConfigInput["startupCheck"],
    timeoutMs: raw.POLAR_TIMEOUT_MS,
    unsafeHttpLoopbackInProduction: allowsHttpLoopbackInProduction(env) || undefined,
    unsafeEmulatorInProduction: allowsEmulatorInProduction(env) || undefined,
  };
  const parsed = polarConfigSchema.safeParse(input);
  const shownValueOf = (option: string) =>
    SHOWABLE.has(option) ? input[option as keyof PolarConfigInput] : undefined;
  if (!parsed.success)
    issues.push(...toConfigIssues(parsed.error.issues, variableFor, shownValueOf));
  if (issues.length > 0) throw new PolarConfigError(issues, environment);
  return deepFreeze(parsed.data as PolarConfig);
}

/** Reads the raw strings with envalid; records envalid's complaints as issues. */
function readEnvironment(env: Record<string, string | undefined>, issues: PolarConfigIssue[]) {
  const trimmed = (name: string) => (present(env[name]) ? env[name]!.trim() : undefined);

  // Spread: envalid's result is a proxy that throws on reading a variable that failed validation.
  const head: { ENVIRONMENT?: string } = {
    ...cleanEnv(
      { ENVIRONMENT: trimmed("ENVIRONMENT") },
      { ENVIRONMENT: str({ choices: ENVIRONMENTS, default: "development" }) },
      {
        reporter: ({ errors }) => {
          if (errors.ENVIRONMENT) {
            issues.push({
              variable: "ENVIRONMENT",
              problem: `"${trimmed("ENVIRONMENT")}" is not an environment.`,
              fix: "Set ENVIRONMENT to development, staging or production.",
            });
          }
        },
      },
    ),
  };
  const environment: Environment = ENVIRONMENTS.includes(head.ENVIRONMENT as Environment)
    ? (head.ENVIRONMENT as Environment)
    : "development";
  // A production build without ENVIRONMENT would run as development: http Polar servers on
  // loopback, http redirect URIs on private IPv4, a session cookie neither Secure nor __Host-.
  // Guessing production instead would pick the _PROD client for a staging deploy: refuse.
  if (trimmed("ENVIRONMENT") === undefined && trimmed("NODE_ENV") === "production") {
    issues.push({
      variable: "ENVIRONMENT",
      problem:
        "is not set while NODE_ENV=production: the kit would run as development (plain-http Polar server on loopback, http redirect URIs, a session cookie without Secure).",
      fix: "Set ENVIRONMENT=production (or staging); set ENVIRONMENT=development only for a production build run locally.",
    });
  }

  const perEnvironment = (base: string) => trimmed(base) ?? trimmed(envVarName(base, environment));
  const shared = cleanEnv(
    Object.fromEntries(Object.values(SHARED).map((name) => [name, trimmed(name)])),
    {
      POLAR_SERVER: str({ default: undefined }),
      POLAR_AUTH_METHOD: str({ default: undefined }),
      POLAR_SCOPES: str({ default: undefined }),
      POLAR_SUB_TYPE: str({ default: undefined }),
      SESSION_SECRET: str({ default: undefined }),
      POLAR_STARTUP_CHECK: str({ default: undefined }),
      POLAR_TIMEOUT_MS: strictNumber({ default: undefined }),
    },
    {
      reporter: ({ errors }) => {
        if (errors.POLAR_TIMEOUT_MS) {
          issues.push({
            variable: "POLAR_TIMEOUT_MS",
            problem: `"${trimmed("POLAR_TIMEOUT_MS")}" is not a number.`,
            fix: "Set POLAR_TIMEOUT_MS to a number of milliseconds, e.g. 5000.",
          });
        }
      },
    },
  );

  return {
    ...shared,
    environment,
    clientId: perEnvironment(PER_ENVIRONMENT.clientId),
    clientSecret: perEnvironment(PER_ENVIRONMENT.clientSecret),
    redirectUri: perEnvironment(PER_ENVIRONMENT.redirectUri),
    registrationAccessToken: perEnvironment(PER_ENVIRONMENT.registrationAccessToken),
  };
}

/** Like envalid's `num`, but refuses trailing garbage (`parseFloat("5s")` would give 5). */
const strictNumber = makeValidator<number>((input) => {
  const value = Number(input);
  if (input.trim() === "" || !Number.isFinite(value)) throw new EnvError("not a number");
  return value;
});

function present(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== "";
}
