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
    listeningLine(emulator),
    `  issuer:     ${emulator.issuer}`,
    `  discovery:  ${emulator.url}/.well-known/openid-configuration`,
    `  register:   POST ${emulator.url}/v1/oauth2/register`,
    `  rate limits ${rateLimits === false ? "off" : typeof rateLimits === "object" ? "the seed's (10 registrations, 60 authorizations, 100 token requests per hour)" : RATE_LIMITS_SHOWN[rateLimits ?? "polar-sandbox"]}`,
    "",
    "Fixture users (pick one on the login page). Their personal access tokens (PAT) are refused on client management (403 NotPermitted, as at Polar):",
    ...shown.map(
      (u) =>
        `  ${u.email.padEnd(width)}  ${u.pat}${u.emailVerified ? "" : "  (email not verified)"}`,
    ),
  ];
  if (users.length > shown.length) lines.push(`  …and ${users.length - shown.length} more`);
  lines.push(
    "",
    "Register an app's client here (it writes .env.development.local, POLAR_SERVER included):",
    `  npx polar-oauth bootstrap --server ${emulator.url} --name "My app (dev)" --redirect-uri http://localhost:3000/auth/callback`,
    "",
    "Press Ctrl+C to stop.",
    "",
  );
  return lines.join("\n");
}

/** The socket really bound; the URL too when it names another host (0.0.0.0 → 127.0.0.1). */
function listeningLine({ bound, url }: Emulator): string {
  const socket = bound.address.includes(":")
    ? `[${bound.address}]:${bound.port}`
    : `${bound.address}:${bound.port}`;
  return bound.loopback && url.endsWith(`//${socket}`)
    ? `Polar emulator listening on ${url}`
    : `Polar emulator listening on ${socket} (from this machine: ${url})`;
}

/** Said on stderr when the emulator listens beyond loopback (`--host 0.0.0.0`, a LAN address). */
function exposedWarning(address: string): string {
  const rule = "!".repeat(78);
  return [
    rule,
    `WARNING: polar-emulator is listening on ${address}, which other machines can reach.`,
    "Its login page takes no password: anyone who can reach this port can sign in as any",
    "fixture user, and the kit refuses it in production. Use --host 127.0.0.1 unless this is",
    "an isolated test network.",
    rule,
    "",
  ].join("\n");
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
  // The signal handlers go first: the banner tells a supervisor the emulator is up, and a
  // SIGTERM that arrived before them would kill it without closing (stdout to a pipe is
  // synchronous, so the banner can be read before the next line runs).
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

  process.stdout.write(banner(emulator, command.options.rateLimits));
  if (!emulator.bound.loopback) process.stderr.write(exposedWarning(emulator.bound.address));
}

main().catch((error: unknown) => {
  process.stderr.write(`polar-emulator: ${(error as Error).message}\n`);
  process.exit(1);
});
