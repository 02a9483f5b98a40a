/**
 * Exit codes of `polar-oauth`:
 * - 0 success (also: "up to date", `--dry-run` plans, `--help`);
 * - 1 failure (Polar refused, client gone, check/doctor found a problem, I/O error);
 * - 2 drift found or a confirmation is needed, and nothing was changed;
 * - 64 usage error (unknown flag, invalid value, conflicting options), as in BSD `sysexits.h`.
 */
export const EXIT = Object.freeze({ OK: 0, FAILURE: 1, CONFIRMATION_NEEDED: 2, USAGE: 64 });

/** One of the {@link EXIT} codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * An error the CLI reports as one clear line (no stack trace unless `--debug`), ending the run
 * with `exitCode`. The message must never contain a secret.
 */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly code: string;

  constructor(message: string, exitCode: ExitCode = EXIT.FAILURE, code = "CLI_ERROR") {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
    this.code = code;
  }
}

/** A usage error (exit 64): a flag, argument or input file the user must correct. */
export function usageError(message: string, code = "CLI_USAGE"): CliError {
  return new CliError(message, EXIT.USAGE, code);
}
