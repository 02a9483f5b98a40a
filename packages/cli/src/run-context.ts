import {
  DEFAULT_TIMEOUT_MS,
  ENVIRONMENTS,
  type PolarServer,
  type RegistrationContext,
} from "@polar-oauth/core/setup";
import { type Command, Option } from "commander";
import type { CliIo } from "./io.js";
import type { Output } from "./output.js";
import type { Redactor } from "./redact.js";

/** What every command gets: the outside world, the printer and the secret redactor. */
export interface RunContext {
  io: CliIo;
  output: Output;
  redactor: Redactor;
}

/** Options every command accepts. */
export interface CommonOptions {
  env?: string | undefined;
  server?: string | undefined;
  json?: boolean | undefined;
  debug?: boolean | undefined;
}

/** Adds `--env`, `--server`, `--json`, `--debug` to a command. */
export function addCommonOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--env <environment>",
        "environment to work on (default: $ENVIRONMENT, else development)",
      ).choices(ENVIRONMENTS),
    )
    .option(
      "--server <server>",
      "production, sandbox, or the URL of a Polar-compatible server (default: $POLAR_SERVER, else production for --env production, sandbox otherwise)",
    )
    .option("--json", "print one JSON document on stdout (never contains secrets)")
    .option("--debug", "show stack traces on errors (secrets redacted)");
}

/** Adds `--env-file` (the dotenv file read under the process environment). */
export function addEnvFileOption(command: Command): Command {
  return command.option(
    "--env-file <file>",
    "dotenv file to read under the process environment (default: .env.<environment>.local when it exists)",
  );
}

/**
 * The context for core's registration API: server, timeout from `POLAR_TIMEOUT_MS`
 * (default 5000 ms), and the credentials to use.
 */
export function registrationContext(
  server: PolarServer,
  env: Readonly<Record<string, string | undefined>>,
  credentials: { accessToken?: string | undefined; registrationAccessToken?: string | undefined },
): RegistrationContext {
  const timeout = Number(env.POLAR_TIMEOUT_MS);
  return {
    server,
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS,
    accessToken: credentials.accessToken || undefined,
    registrationAccessToken: credentials.registrationAccessToken || undefined,
  };
}

/** `POLAR_ACCESS_TOKEN` (a Personal Access Token), trimmed, or undefined. */
export function accessTokenOf(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  return env.POLAR_ACCESS_TOKEN?.trim() || undefined;
}
