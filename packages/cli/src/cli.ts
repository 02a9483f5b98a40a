import { ERROR_REFERENCE, errorReference } from "@polar-oauth/core/setup";
import { Command, CommanderError } from "commander";
import { bootstrapCommand } from "./commands/bootstrap.js";
import { checkCommand } from "./commands/check.js";
import { clientsCommand } from "./commands/clients.js";
import { doctorCommand } from "./commands/doctor.js";
import { rotateCommand } from "./commands/rotate.js";
import { describeError } from "./describe-error.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import type { CliIo } from "./io.js";
import { Output } from "./output.js";
import { Redactor } from "./redact.js";

/** The CLI's version, shown by `polar-oauth --version`. */
export const VERSION = "0.1.0";

const EXAMPLES = `
Exit codes: 0 ok · 1 failure · 2 drift found / confirmation needed (nothing changed) · 64 usage error

Examples:
  $ polar-oauth bootstrap --name "My App (dev)" --redirect-uri http://localhost:3000/auth/callback
  $ polar-oauth bootstrap --env production --out .env.production --yes
  $ polar-oauth check --env production --env-file .env.production
  $ polar-oauth doctor
  $ polar-oauth clients list
`;

const USAGE_ERRORS = new Set([
  "commander.unknownOption",
  "commander.unknownCommand",
  "commander.missingArgument",
  "commander.optionMissingArgument",
  "commander.missingMandatoryOptionValue",
  "commander.invalidArgument",
  "commander.excessArguments",
  "commander.conflictingOption",
]);

/**
 * Runs `polar-oauth` with the given arguments (without `node` and the script) against `io`, and
 * resolves with the exit code instead of exiting: `main.ts` sets `process.exitCode`, tests
 * call it in-process. Never throws; every failure is printed as one redacted line (with the
 * stack only under `--debug`).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const redactor = new Redactor();
  redactor.addEnvironment(io.env);
  const json = argv.includes("--json");
  const debug = argv.includes("--debug");
  const output = new Output(io, redactor, { json, debug });
  const run = { io, output, redactor };
  let exitCode: ExitCode = EXIT.OK;
  const done = (code: ExitCode) => {
    exitCode = code;
  };

  const program = new Command("polar-oauth")
    .description(
      "Register and manage the Polar OAuth client of each environment; check and diagnose the app's setup.",
    )
    .version(VERSION)
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // One line per error: commander puts "(Did you mean …?)" on a line of its own.
      outputError: (text, write) =>
        write(redactor.redact(text.replace(/\n(?=\(Did you mean)/, " "))),
    })
    .addHelpText("after", EXAMPLES);
  bootstrapCommand(program, run, done);
  clientsCommand(program, run, done);
  rotateCommand(program, run, done);
  checkCommand(program, run, done);
  doctorCommand(program, run, done);

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version")
        return EXIT.OK;
      if (error.code === "commander.help") return EXIT.USAGE;
      return USAGE_ERRORS.has(error.code) ? EXIT.USAGE : EXIT.FAILURE;
    }
    const described = describeError(error);
    // Every failure points to its entry in the error reference (core's messages already do).
    const reference = errorReference(described.code);
    const message = described.message.includes(ERROR_REFERENCE)
      ? described.message
      : `${described.message} (see ${reference})`;
    for (const line of message.split("\n")) output.error(line);
    if (debug && error instanceof Error && error.stack) output.debugLine(error.stack);
    if (json) output.printJson({ ok: false, error: { code: described.code, message, reference } });
    return described.exitCode;
  }
}
