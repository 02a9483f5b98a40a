import type { Environment } from "../environment.js";
import { POLAR_SERVERS, type PolarServer } from "./polar-servers.js";

/** What a message needs to say which server the app talks to and why. */
export interface ServerChoice {
  server: PolarServer;
  /** True when nothing named a server and the environment's default was taken. */
  serverDefaulted: boolean;
  environment: Environment;
}

/** A server's name for messages: "the sandbox (https://sandbox-api.polar.sh)" or its URL. */
export function nameServer(server: PolarServer): string {
  if (server.kind === "custom") return server.url;
  return `${server.kind === "production" ? "the production server" : "the sandbox"} (${server.url})`;
}

/**
 * Which server is used and why, in words to put after its URL: "the sandbox: POLAR_SERVER is
 * unset, and ENVIRONMENT=development uses the sandbox by default", "the production server,
 * set by POLAR_SERVER or the `server` option", or for a custom URL "set by POLAR_SERVER or
 * the `server` option".
 */
export function describeServerChoice(choice: ServerChoice): string {
  const { server } = choice;
  const name = server.kind === "production" ? "the production server" : "the sandbox";
  if (choice.serverDefaulted) {
    return `${name}: POLAR_SERVER is unset, and ENVIRONMENT=${choice.environment} uses ${name} by default`;
  }
  const set = "set by POLAR_SERVER or the `server` option";
  return server.kind === "custom" ? set : `${name}, ${set}`;
}

/**
 * The other hosted Polar server: production for the sandbox and the sandbox for production,
 * where users often register a client by mistake. A custom server (the emulator) has none.
 */
export function otherPolarServer(server: PolarServer): PolarServer | undefined {
  if (server.kind === "production") return POLAR_SERVERS.sandbox;
  if (server.kind === "sandbox") return POLAR_SERVERS.production;
  return undefined;
}

/** The value of `--server` / `POLAR_SERVER` that names this server. */
export function serverSetting(server: PolarServer): string {
  return server.kind === "custom" ? server.url : server.kind;
}
