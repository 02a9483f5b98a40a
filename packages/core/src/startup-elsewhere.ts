import type { PolarConfig } from "./config/schema.js";
import {
  PolarServerMismatchError,
  RedirectUriMismatchError,
  RegistrationMismatchError,
} from "./errors.js";
import type { PolarServer } from "./server/polar-servers.js";
import { describeServerChoice, nameServer, otherPolarServer } from "./server/server-choice.js";
import { probeAuthorization } from "./startup-probe.js";

/**
 * When the configured server does not know the client, asks the other hosted Polar server
 * (production for the sandbox, the sandbox for production; nothing for a custom server) with
 * one anonymous request to its JSON authorize API (the startup check's probe). Returns the
 * error that says where the client lives and what to set, or undefined when the other server
 * does not know it either or cannot tell (unreachable, rate limited, a 5xx).
 */
export async function findClientElsewhere(
  config: PolarConfig,
  options: { fetch?: typeof fetch | undefined },
): Promise<PolarServerMismatchError | undefined> {
  const other = otherPolarServer(config.server);
  if (!other || other.kind === "custom") return undefined;
  if (!(await knowsClient(other, config, options.fetch))) return undefined;
  return new PolarServerMismatchError(
    `Polar client ${config.clientId} is not registered on ${config.server.url} (${describeServerChoice(config)}); it is registered on ${nameServer(other)}. Sandbox and production are separate Polar servers, each with its own clients and users. Fix: set POLAR_SERVER=${other.kind}${other.kind === "production" && config.environment !== "production" ? ` (users then sign in with real Polar accounts)` : ""}, or use a client registered on ${nameServer(config.server)}.`,
    other.kind,
  );
}

/**
 * True when `server` knows the client id: the startup check's probe of its JSON authorize API
 * passes, or fails past the client check (the redirect URI, a scope). An unknown client, and
 * answers that tell nothing (network, 429, 5xx), count as no.
 */
async function knowsClient(
  server: PolarServer,
  config: PolarConfig,
  fetch: typeof globalThis.fetch | undefined,
): Promise<boolean> {
  try {
    await probeAuthorization({ ...config, server }, { fetch });
    return true;
  } catch (error) {
    if (error instanceof RedirectUriMismatchError) return true;
    return error instanceof RegistrationMismatchError && !error.clientUnknown;
  }
}
