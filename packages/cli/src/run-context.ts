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
 * (default 5000 ms), and the client's registration token. There is no Personal Access Token
 * here: Polar refuses every API token on client management (403 `NotPermitted`).
 */
export function registrationContext(
  server: PolarServer,
  env: Readonly<Record<string, string | undefined>>,
  registrationAccessToken?: string | undefined,
): RegistrationContext {
  const timeout = Number(env.POLAR_TIMEOUT_MS);
  return {
    server,
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS,
    registrationAccessToken: registrationAccessToken || undefined,
  };
}

/**
 * One line when `POLAR_ACCESS_TOKEN` is set: the CLI never sends it, because Polar answers
 * 403 `NotPermitted` to a Personal Access Token on every client-management endpoint.
 */
export function noteIgnoredAccessToken(
  env: Readonly<Record<string, string | undefined>>,
  output: Output,
): void {
  if (!env.POLAR_ACCESS_TOKEN?.trim()) return;
  output.line(
    `${output.colors.dim("note:")} POLAR_ACCESS_TOKEN is ignored: Polar refuses Personal Access Tokens on client management (403); polar-oauth registers anonymously and manages each client with its registration token.`,
  );
}
