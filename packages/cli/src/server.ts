import {
  allowsHttpLoopbackInProduction,
  checkServerTransport,
  type Environment,
  type PolarServer,
  resolvePolarServer,
} from "@polar-oauth/core/setup";
import { usageError } from "./exit-codes.js";

/**
 * The Polar server to talk to: `--server`, else `POLAR_SERVER`, else production for the
 * production environment and sandbox otherwise (the app's defaults). Accepts `production`,
 * `sandbox` or the URL of a Polar-compatible server: https, or plain http on loopback outside
 * production (core's `checkServerTransport`).
 */
export function resolveServer(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  environment: Environment,
): PolarServer {
  const fromEnv = env.POLAR_SERVER?.trim();
  const value =
    flag ?? (fromEnv ? fromEnv : environment === "production" ? "production" : "sandbox");
  const source = flag === undefined ? "POLAR_SERVER" : "--server";
  const server = resolvePolarServer(value);
  if (!server) {
    throw usageError(
      `${source} "${value}" is neither production, sandbox nor an http(s) URL (e.g. http://127.0.0.1:4000).`,
    );
  }
  const verdict = checkServerTransport(server.url, environment, {
    allowHttpLoopbackInProduction: allowsHttpLoopbackInProduction(env),
  });
  if (!verdict.ok) {
    throw usageError(
      `${source} ${server.url} ${verdict.problem} Fix: ${verdict.fix.replaceAll("{server}", source)}`,
    );
  }
  return server;
}

/** A short name for messages: "production", "sandbox" or the server's URL. */
export function describeServer(server: PolarServer): string {
  return server.kind === "custom" ? server.url : `${server.kind} (${server.url})`;
}
