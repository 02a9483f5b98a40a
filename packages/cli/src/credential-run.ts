import type { Environment, PolarServer } from "@polar-oauth/core/setup";
import { type CredentialTarget, resolveCredentialTarget } from "./credentials.js";
import { type LayeredEnv, layerEnv } from "./env-sources.js";
import { defaultEnvFile, resolveEnvironment } from "./environment.js";
import { usageError } from "./exit-codes.js";
import type { CommonOptions, RunContext } from "./run-context.js";
import { resolveServer } from "./server.js";

/** Flags of the commands that write credentials (`bootstrap`, `rotate`). */
export interface CredentialRunOptions extends CommonOptions {
  out?: string | undefined;
  format?: string | undefined;
  printSecrets?: boolean | undefined;
}

/** Where a credential-writing command works: environment, target, variables and server. */
export interface CredentialRun {
  environment: Environment;
  target: CredentialTarget;
  /** The process environment layered over the target file's variables. */
  layered: LayeredEnv;
  server: PolarServer;
}

/**
 * The common start of `bootstrap` and `rotate`: resolves the environment and the credential
 * target (refusing `--json` with `--format`, which both use stdout), reads the target file's
 * variables under the process environment, registers every value with the redactor, and
 * resolves the server.
 */
export async function startCredentialRun(
  options: CredentialRunOptions,
  run: RunContext,
): Promise<CredentialRun> {
  const { io, output, redactor } = run;
  const environment = resolveEnvironment(options.env, io.env);
  if (options.json && options.format) {
    throw usageError("--json and --format both use stdout: use --out FILE with --json.");
  }
  const target = resolveCredentialTarget({
    out: options.out,
    format: options.format,
    printSecrets: options.printSecrets,
    stdoutIsTTY: io.stdout.isTTY === true,
    defaultPath: defaultEnvFile(environment),
    cwd: io.cwd,
  });
  if (target.kind === "stdout") output.reserveStdout();
  const layered = await layerEnv(io.env, target.kind === "file" ? target.path : undefined, io.cwd);
  redactor.addEnvironment(layered.values);
  const server = resolveServer(options.server, layered.values, environment);
  return { environment, target, layered, server };
}
