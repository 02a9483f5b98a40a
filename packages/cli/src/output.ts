import picocolors from "picocolors";
import type { CliIo, CliStream } from "./io.js";
import type { Redactor } from "./redact.js";
import { terminalJson, terminalText } from "./terminal-text.js";

/** picocolors' formatter set. */
export type Colors = ReturnType<typeof picocolors.createColors>;

/** True when colors should be used on this stream: a TTY, `NO_COLOR` unset, `TERM` not dumb. */
export function colorsEnabled(
  stream: CliStream,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0")
    return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

/** How a command prints: human lines, or one JSON document on stdout (`--json`). */
export interface OutputOptions {
  json: boolean;
  debug: boolean;
}

/**
 * The one place that writes to the terminal. Human lines go to stdout (to stderr while stdout
 * carries credentials, see {@link Output.reserveStdout}); `--json` prints a single document on
 * stdout and keeps human lines quiet; warnings and errors go to stderr. Everything except
 * {@link Output.credentials} passes through the {@link Redactor}, then {@link terminalText}:
 * no escape sequence, C1 or bidi control a server slipped into a message reaches the terminal
 * (only the CLI's own colours do).
 */
export class Output {
  readonly json: boolean;
  readonly debug: boolean;
  #stdoutReserved = false;

  constructor(
    readonly io: CliIo,
    readonly redactor: Redactor,
    options: OutputOptions,
  ) {
    this.json = options.json;
    this.debug = options.debug;
  }

  /** Colors for the stream human lines go to. */
  get colors(): Colors {
    return picocolors.createColors(colorsEnabled(this.#humanStream, this.io.env));
  }

  /** Colors for stderr. */
  get errorColors(): Colors {
    return picocolors.createColors(colorsEnabled(this.io.stderr, this.io.env));
  }

  /** From now on stdout carries machine output (credentials); human lines move to stderr. */
  reserveStdout(): void {
    this.#stdoutReserved = true;
  }

  /** A human line (quiet in `--json` mode). */
  line(text = ""): void {
    if (this.json) return;
    const stream = this.#humanStream;
    stream.write(`${this.#safe(text, stream)}\n`);
  }

  /** A "✓ …" line. */
  ok(text: string): void {
    this.line(`${this.colors.green("✓")} ${text}`);
  }

  /** A "✗ …" line on the human stream (a failed check, not a crash). */
  failed(text: string): void {
    this.line(`${this.colors.red("✗")} ${text}`);
  }

  /** A warning on stderr, shown in `--json` mode too. */
  warn(text: string): void {
    const c = this.errorColors;
    this.io.stderr.write(`${this.#safe(`${c.yellow("warning:")} ${text}`, this.io.stderr)}\n`);
  }

  /** A one-line error on stderr. */
  error(text: string): void {
    const c = this.errorColors;
    this.io.stderr.write(`${this.#safe(`${c.red("error:")} ${text}`, this.io.stderr)}\n`);
  }

  /** Debug detail on stderr, only with `--debug`, redacted. */
  debugLine(text: string): void {
    if (this.debug) this.io.stderr.write(`${this.#safe(text, this.io.stderr)}\n`);
  }

  /** Prints one JSON document on stdout (redacted; secrets never belong in it). */
  printJson(value: unknown): void {
    this.io.stdout.write(`${terminalJson(this.redactor.redact(JSON.stringify(value, null, 2)))}\n`);
  }

  /** Writes credentials to stdout unredacted: only for `--format` output the user asked for. */
  credentials(text: string): void {
    this.io.stdout.write(text);
  }

  /** Redacted, then made safe for the terminal (colours kept where the stream shows them). */
  #safe(text: string, stream: CliStream): string {
    return terminalText(this.redactor.redact(text), colorsEnabled(stream, this.io.env));
  }

  get #humanStream(): CliStream {
    return this.#stdoutReserved ? this.io.stderr : this.io.stdout;
  }
}
