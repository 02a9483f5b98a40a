import { type PolarConfig, PolarConfigError, verifyRegistration } from "@polar-oauth/core/setup";
import type { Command } from "commander";
import { loadAppConfig } from "../app-config.js";
import { describeError } from "../describe-error.js";
import { layerEnv } from "../env-sources.js";
import { defaultEnvFile, resolveEnvironment } from "../environment.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { withProgress } from "../progress.js";
import {
  addCommonOptions,
  addEnvFileOption,
  type CommonOptions,
  type RunContext,
} from "../run-context.js";

/** Flags of `polar-oauth check`. */
export interface CheckOptions extends CommonOptions {
  envFile?: string | undefined;
}

const EXAMPLES = `
Reads the same variables as the app (ENVIRONMENT, POLAR_CLIENT_ID_<ENV>, POLAR_REDIRECT_URI_<ENV>,
POLAR_REGISTRATION_TOKEN_<ENV>, POLAR_AUTH_METHOD, POLAR_SCOPES, POLAR_SERVER, …) and runs the
app's startup check: is the redirect URI registered exactly, does the auth method match, are the
scopes allowed. Exit 0 when it passes, 1 when it does not.

Examples:
  $ polar-oauth check
  $ ENVIRONMENT=production polar-oauth check --env-file .env.production
  $ polar-oauth check --env staging --json
`;

/** Adds `polar-oauth check`. */
export function checkCommand(
  program: Command,
  run: RunContext,
  done: (code: ExitCode) => void,
): void {
  const command = program
    .command("check")
    .description(
      "Run the app's startup check on its own: exact redirect URI, auth method, scopes, HTTPS in production.",
    );
  addEnvFileOption(addCommonOptions(command))
    .addHelpText("after", EXAMPLES)
    .action(async (options: CheckOptions) => done(await check(options, run)));
}

/**
 * Core's `verifyRegistration` with the app's environment contract (`loadPolarConfig`).
 * Prints one ✓ line, or ✗ lines explaining the mismatch in words; exit 0 or 1.
 */
export async function check(options: CheckOptions, run: RunContext): Promise<ExitCode> {
  const { io, output, redactor } = run;
  const environment = resolveEnvironment(options.env, io.env);
  const layered = await layerEnv(io.env, options.envFile ?? defaultEnvFile(environment), io.cwd);
  redactor.addEnvironment(layered.values);
  const fileNote = layered.fileExists ? ` (read ${layered.filePath})` : "";
  let config: PolarConfig;
  try {
    config = loadAppConfig(layered, environment, options.server);
  } catch (error) {
    if (!(error instanceof PolarConfigError)) throw error;
    for (const issue of error.issues)
      output.failed(`${issue.variable}: ${issue.problem} Fix: ${issue.fix}`);
    output.line(
      `The ${environment} configuration is invalid${fileNote}; the app would refuse to start.`,
    );
    if (output.json) {
      output.printJson({
        ok: false,
        environment,
        error: { code: error.code, issues: error.issues },
      });
    }
    return EXIT.FAILURE;
  }
  try {
    const result = await withProgress(output, `Checking client ${config.clientId}`, () =>
      verifyRegistration(config),
    );
    const how =
      result.method === "registration"
        ? "read back with the registration token"
        : "probed Polar's authorize endpoint (set the registration token for a full check)";
    output.ok(
      `Polar client ${config.clientId} (${environment}) accepts redirect URI ${config.redirectUri} with ${config.authMethod}: ${how}.`,
    );
    if (result.unverified) output.line(`Not checked: ${result.unverified}`);
    if (output.json) {
      output.printJson({
        ok: true,
        environment,
        server: config.server.url,
        clientId: config.clientId,
        redirectUri: config.redirectUri,
        authMethod: config.authMethod,
        method: result.method,
        registeredRedirectUris: result.registeredRedirectUris,
        unverified: result.unverified,
      });
    }
    return EXIT.OK;
  } catch (error) {
    const described = describeError(error);
    output.failed(described.message);
    if (output.json) {
      output.printJson({
        ok: false,
        environment,
        server: config.server.url,
        clientId: config.clientId,
        redirectUri: config.redirectUri,
        error: { code: described.code, message: described.message },
      });
    }
    return EXIT.FAILURE;
  }
}
