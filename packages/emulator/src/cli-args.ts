import { parseArgs } from "node:util";
import type { EmulatorOptions } from "./types.js";

/** Text printed by `polar-emulator --help`. */
export const USAGE = `Usage: polar-emulator [options]

A local, offline, Polar-compatible OAuth 2.0 / OpenID Connect server.

Options:
  --port <n>            Port to listen on (default 4000; 0 = any free port)
  --host <addr>         Interface to listen on (default 127.0.0.1)
  --issuer <value>      "polar" (default: iss = https://polar.sh like real Polar),
                        "self" (iss = the emulator URL) or any URL
  --fixtures <file>     JSON file with { "users": [...] } (default: alice, bob, carol)
  --rate-limits <p>     "polar-sandbox" (default: Polar's per-minute rules on
                        /v1, 100/min per IP), "polar-production" (500/min),
                        "seed" (the documented 10/60/100 per hour), or "off"
  --no-rate-limits      Same as --rate-limits off
  --persist <file>      Keep clients, keys and tokens in this JSON file across restarts
  -h, --help            Show this help
`;

/** Parsed command line: either help, or options for `startEmulator`. */
export type CliCommand = { help: true } | { help: false; options: EmulatorOptions };

/** Thrown for a bad command line; the message says what to change. */
export class CliUsageError extends Error {
  readonly code = "EMULATOR_CLI_USAGE";
}

/** Parses `polar-emulator` arguments (without node and script path). */
export function parseCliArgs(argv: string[]): CliCommand {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  if (values.help) return { help: true };
  const port = values.port === undefined ? 4000 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliUsageError(`--port must be an integer between 0 and 65535, got "${values.port}"`);
  }
  const options: EmulatorOptions = { port, host: values.host ?? "127.0.0.1" };
  if (values.issuer !== undefined) options.issuer = values.issuer;
  if (values.fixtures !== undefined) options.fixtures = values.fixtures;
  const profile = values["no-rate-limits"] ? "off" : (values["rate-limits"] ?? "polar-sandbox");
  if (profile === "off") options.rateLimits = false;
  else if (profile === "polar-sandbox" || profile === "polar-production")
    options.rateLimits = profile;
  else if (profile === "seed") options.rateLimits = {};
  else {
    throw new CliUsageError(
      `--rate-limits must be seed, polar-sandbox, polar-production or off, got "${profile}"`,
    );
  }
  if (values.persist !== undefined) options.persistPath = values.persist;
  return { help: false, options };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string", short: "p" },
      host: { type: "string" },
      issuer: { type: "string" },
      fixtures: { type: "string" },
      "rate-limits": { type: "string" },
      "no-rate-limits": { type: "boolean" },
      persist: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
