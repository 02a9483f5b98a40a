#!/usr/bin/env node
import { CliUsageError, parseCliArgs, USAGE } from "./cli-args.js";
import { startEmulator } from "./emulator.js";
import type { Emulator, EmulatorOptions } from "./types.js";

const RATE_LIMITS_SHOWN = {
  "polar-sandbox": "Polar sandbox's: 100 a minute per IP, 60 per token on /v1",
  "polar-production": "Polar production's: 500 a minute per IP, 60 per token on /v1",
} as const;

function banner(emulator: Emulator, rateLimits: EmulatorOptions["rateLimits"]): string {
  const users = emulator.fixtures.users;
  const shown = users.slice(0, 20);
  const width = Math.max(...shown.map((u) => u.email.length));
  const lines = [
    `Polar emulator listening on ${emulator.url}`,
    `  issuer:     ${emulator.issuer}`,
    `  discovery:  ${emulator.url}/.well-known/openid-configuration`,
    `  register:   POST ${emulator.url}/v1/oauth2/register`,
    `  rate limits ${rateLimits === false ? "off" : typeof rateLimits === "object" ? "the seed's (10 registrations, 60 authorizations, 100 token requests per hour)" : RATE_LIMITS_SHOWN[rateLimits ?? "polar-sandbox"]}`,
    "",
    "Fixture users (pick one on the login page; PAT = Authorization: Bearer for registration and the client list):",
    ...shown.map(
      (u) =>
        `  ${u.email.padEnd(width)}  ${u.pat}${u.emailVerified ? "" : "  (email not verified)"}`,
    ),
  ];
  if (users.length > shown.length) lines.push(`  …and ${users.length - shown.length} more`);
  lines.push("", "Press Ctrl+C to stop.", "");
  return lines.join("\n");
}

async function main(): Promise<void> {
  let command: ReturnType<typeof parseCliArgs>;
  try {
    command = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(`polar-emulator: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw error;
  }
  if (command.help) {
    process.stdout.write(USAGE);
    return;
  }
  const emulator = await startEmulator({
    ...command.options,
    log: (line) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`),
  });
  process.stdout.write(banner(emulator, command.options.rateLimits));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\nReceived ${signal}, stopping…\n`);
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`polar-emulator: error while stopping: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(`polar-emulator: ${(error as Error).message}\n`);
  process.exit(1);
});
