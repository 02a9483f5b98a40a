import { z } from "zod";
import { ENVIRONMENTS } from "../environment.js";
import { DEFAULT_TIMEOUT_MS } from "../http.js";
import { validateRedirectUri } from "../redirect-uri/validate.js";
import { AUTH_METHODS, SUB_TYPES } from "../registration/schema.js";
import { DEFAULT_SCOPES, describeUnknownScope, isPolarScope, parseScopes } from "../scopes.js";
import { Secret, secret } from "../secret.js";
import { type PolarServer, resolvePolarServer } from "../server/polar-servers.js";
import { checkServerTransport } from "../server/transport.js";

/** Minimum length of a session secret (iron-session's own floor). */
export const MIN_SESSION_SECRET_LENGTH = 32;

/** What the startup check does when the registration disagrees: throw, log, or skip. */
export const STARTUP_CHECK_MODES = ["fail", "warn", "off"] as const;

const secretInput = z.union([z.string(), z.instanceof(Secret)]).transform(secret);

const serverInput = z.union([
  z.string(),
  z.custom<PolarServer>((v) => typeof v === "object" && v !== null && "kind" in v && "url" in v),
]);

const sessionSchema = z.object({
  /** Session passwords: the first seals, all unseal (rotation). A string is split on commas. */
  secrets: z
    .union([secretInput, z.array(secretInput)])
    .transform((value) =>
      (Array.isArray(value) ? value : splitSecrets(value)).filter((s) => s.length > 0),
    ),
  /** Cookie holding the sealed session. */
  cookieName: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, "must be letters, digits, '_', '.' or '-'")
    .default("polar_session"),
  /** Sign-out after this long without a request (rolling), in seconds. Default one day. */
  idleTimeoutSeconds: z
    .number()
    .int()
    .positive()
    .default(24 * 60 * 60),
  /** Sign-out this long after login whatever the activity, in seconds. Default seven days. */
  absoluteTimeoutSeconds: z
    .number()
    .int()
    .positive()
    .default(7 * 24 * 60 * 60),
});

const optionsSchema = z.object({
  environment: z
    .enum(ENVIRONMENTS, { error: "must be development, staging or production" })
    .default("development"),
  server: serverInput.optional(),
  clientId: z.string({ error: "is missing" }).trim().min(1, "is missing"),
  clientSecret: secretInput.optional(),
  redirectUri: z.string({ error: "is missing" }).trim().min(1, "is missing"),
  registrationAccessToken: secretInput.optional(),
  authMethod: z
    .enum(AUTH_METHODS, { error: "must be client_secret_post, client_secret_basic or none" })
    .optional(),
  scopes: z.union([z.string(), z.array(z.string())]).optional(),
  subType: z.enum(SUB_TYPES, { error: "must be user or organization" }).default("user"),
  session: sessionSchema.optional(),
  startupCheck: z.enum(STARTUP_CHECK_MODES, { error: "must be fail, warn or off" }).default("fail"),
  timeoutMs: z.number().int().positive().max(120_000).default(DEFAULT_TIMEOUT_MS),
  /**
   * Tests only: accept a plain-http Polar server on loopback (the emulator) in production.
   * Env: `POLAR_UNSAFE_HTTP_LOOPBACK_IN_PRODUCTION=1`. Never for a real deployment.
   */
  unsafeHttpLoopbackInProduction: z.boolean().optional(),
  /**
   * Tests only: accept the polar-oauth emulator (it names itself in discovery) in production.
   * Env: `POLAR_UNSAFE_EMULATOR_IN_PRODUCTION=1`. Never for a real deployment.
   */
  unsafeEmulatorInProduction: z.boolean().optional(),
});

/**
 * The one contract for configuring the kit. `definePolarConfig` parses programmatic options
 * with it and `loadPolarConfig` parses the environment with it; {@link PolarConfig} is its
 * output type.
 */
export const polarConfigSchema = optionsSchema
  .superRefine(checkConsistency, { when: () => true })
  .transform((input) => ({
    environment: input.environment,
    server: resolveServer(input.server, input.environment) as PolarServer,
    /** True when no server was configured and the environment's default was taken. */
    serverDefaulted: input.server === undefined,
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    redirectUri: input.redirectUri,
    registrationAccessToken: input.registrationAccessToken,
    authMethod: input.authMethod ?? (input.clientSecret ? "client_secret_post" : "none"),
    scopes: scopeList(input.scopes),
    subType: input.subType,
    session: input.session,
    startupCheck: input.startupCheck,
    timeoutMs: input.timeoutMs,
    unsafeEmulatorInProduction: input.unsafeEmulatorInProduction === true,
  }));

type ParsedOptions = z.output<typeof optionsSchema>;

/**
 * Checks that span several options. Runs even when single options already failed, so one
 * error lists every problem; hence every read here is defensive.
 */
function checkConsistency(input: ParsedOptions, ctx: z.RefinementCtx<ParsedOptions>): void {
  const fail = (path: string[], message: string, fix: string) =>
    ctx.addIssue({ code: "custom", path, message, params: { fix } });
  const environment = ENVIRONMENTS.includes(input.environment) ? input.environment : "development";

  if (typeof input.server === "string" || input.server === undefined) {
    const server = resolveServer(input.server, environment);
    if (!server) {
      fail(["server"], "is neither production, sandbox nor an http(s) URL.", FIXES.server!);
    } else {
      const verdict = checkServerTransport(server.url, environment, {
        allowHttpLoopbackInProduction: input.unsafeHttpLoopbackInProduction === true,
      });
      if (!verdict.ok) fail(["server"], `${server.url} ${verdict.problem}`, verdict.fix);
    }
  } else if (input.server && typeof input.server.url === "string") {
    const verdict = checkServerTransport(input.server.url, environment, {
      allowHttpLoopbackInProduction: input.unsafeHttpLoopbackInProduction === true,
    });
    if (!verdict.ok) fail(["server"], `${input.server.url} ${verdict.problem}`, verdict.fix);
  }

  const hasSecret = input.clientSecret instanceof Secret;
  const authMethod = input.authMethod ?? (hasSecret ? "client_secret_post" : "none");
  if (authMethod === "none" && hasSecret) {
    fail(
      ["clientSecret"],
      "is set, but the auth method is none (a public client has no secret).",
      "Remove {clientSecret}, or set {authMethod}=client_secret_post for a confidential client.",
    );
  }
  if (AUTH_METHODS.includes(authMethod) && authMethod !== "none" && !hasSecret) {
    fail(
      ["clientSecret"],
      `is missing; ${authMethod} needs the client secret.`,
      "Set {clientSecret} (polar-oauth bootstrap writes it), or set {authMethod}=none for a public client.",
    );
  }

  if (typeof input.redirectUri === "string" && input.redirectUri !== "") {
    const verdict = validateRedirectUri(input.redirectUri, environment);
    if (!verdict.ok) fail(["redirectUri"], verdict.problem, verdict.fix);
  }

  const scopes = scopeList(input.scopes);
  if (scopes.length === 0) fail(["scopes"], "is empty.", FIXES.scopes!);
  for (const scope of scopes) {
    if (typeof scope !== "string" || !isPolarScope(scope)) {
      fail(["scopes"], describeUnknownScope(String(scope)), FIXES.scopes!);
    }
  }

  const secrets = input.session?.secrets;
  if (Array.isArray(secrets)) {
    if (secrets.length === 0) fail(["session", "secrets"], "is missing.", FIXES.session!);
    secrets.forEach((s, i) => {
      if (s.length < MIN_SESSION_SECRET_LENGTH) {
        const which = secrets.length > 1 ? `secret #${i + 1}` : "the secret";
        fail(
          ["session", "secrets"],
          `${which} has ${s.length} characters; at least ${MIN_SESSION_SECRET_LENGTH} are needed.`,
          FIXES.session!,
        );
      }
    });
  }
}

function scopeList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [...DEFAULT_SCOPES];
  if (typeof value === "string") return parseScopes(value);
  return Array.isArray(value) ? [...new Set(value)] : [];
}

/** Programmatic options, as accepted by {@link polarConfigSchema}. */
export type PolarConfigInput = z.input<typeof polarConfigSchema>;

/** A validated, frozen configuration. Secrets are {@link Secret}s and never print. */
export type PolarConfig = Readonly<z.output<typeof polarConfigSchema>>;

/** Session options after validation. */
export type PolarSessionConfig = NonNullable<PolarConfig["session"]>;

/** The fix to suggest for each option when its own check has nothing more specific. */
export const FIXES: Readonly<Record<string, string>> = {
  environment: "Set {environment} to development, staging or production.",
  server:
    "Set {server} to production, sandbox, or the URL of a Polar-compatible server (the emulator: http://127.0.0.1:4000).",
  clientId:
    "Set {clientId} to your client's id (polar_ci_…); `polar-oauth bootstrap` registers a client and writes it.",
  clientSecret: "Set {clientSecret} to the client secret Polar returned at registration.",
  redirectUri:
    "Set {redirectUri} to the exact callback URL registered at Polar, e.g. http://localhost:3000/auth/callback.",
  registrationAccessToken:
    "Set {registrationAccessToken} to the polar_crt_… token from registration.",
  authMethod: "Set {authMethod} to client_secret_post, client_secret_basic or none.",
  scopes: 'Set {scopes} to space-separated Polar scopes, e.g. "openid profile email".',
  subType: "Set {subType} to user or organization.",
  session: `Set {session} to at least ${MIN_SESSION_SECRET_LENGTH} random characters (e.g. \`openssl rand -base64 32\`); separate several with commas to rotate.`,
  "session.cookieName":
    "Set session.cookieName to letters, digits, '_', '.' or '-' (default polar_session).",
  "session.idleTimeoutSeconds":
    "Set session.idleTimeoutSeconds to a whole number of seconds above 0 (default 86400).",
  "session.absoluteTimeoutSeconds":
    "Set session.absoluteTimeoutSeconds to a whole number of seconds above 0 (default 604800).",
  startupCheck: "Set {startupCheck} to fail, warn or off.",
  timeoutMs: "Set {timeoutMs} to a number of milliseconds between 1 and 120000.",
};

function resolveServer(
  value: string | PolarServer | undefined,
  environment: (typeof ENVIRONMENTS)[number],
): PolarServer | undefined {
  if (value === undefined)
    return resolvePolarServer(environment === "production" ? "production" : "sandbox");
  return typeof value === "string" ? resolvePolarServer(value.trim()) : value;
}

function splitSecrets(value: Secret): Secret[] {
  return value
    .reveal()
    .split(",")
    .map((part) => new Secret(part.trim()));
}
