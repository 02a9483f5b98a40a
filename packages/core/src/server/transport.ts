import type { Environment } from "../environment.js";

/**
 * The opt-out that lets a production config (or CLI run) use a plain-http Polar server on
 * loopback: for tests that run "production" against the local emulator, never for a real
 * deployment. Private-network hosts stay refused even with it.
 */
export const UNSAFE_HTTP_LOOPBACK_IN_PRODUCTION = "POLAR_UNSAFE_HTTP_LOOPBACK_IN_PRODUCTION";

/** True when the opt-out variable is set to `1` or `true`. */
export function allowsHttpLoopbackInProduction(
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const value = env[UNSAFE_HTTP_LOOPBACK_IN_PRODUCTION]?.trim().toLowerCase();
  return value === "1" || value === "true";
}

/**
 * True for hosts that never leave the machine: `localhost`, `*.localhost`, 127.0.0.0/8 and
 * `[::1]`. Unlike the redirect-URI rule (Polar allows http redirect URIs on private IPv4 too),
 * a Polar *server* receives the client secret and tokens, so a LAN address does not count.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (host === "[::1]") return true;
  const octets = host.split(".");
  return (
    octets.length === 4 &&
    octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255) &&
    octets[0] === "127"
  );
}

/**
 * Whether a Polar server URL may be used in an environment; else what is wrong (a sentence
 * to put after the URL or the variable) and the fix.
 */
export type ServerTransportVerdict = { ok: true } | { ok: false; problem: string; fix: string };

/**
 * The transport rules for the Polar server (it receives the client secret, codes and tokens):
 * https always; plain http only on loopback outside production (the local emulator); in
 * production never, unless {@link UNSAFE_HTTP_LOOPBACK_IN_PRODUCTION} is set and the host is
 * loopback. `{server}` in the fix stands for the variable or option that set it.
 */
export function checkServerTransport(
  serverUrl: string,
  environment: Environment,
  options: { allowHttpLoopbackInProduction?: boolean } = {},
): ServerTransportVerdict {
  const url = new URL(serverUrl);
  if (url.protocol === "https:") return { ok: true };
  const loopback = isLoopbackHost(url.hostname);
  if (environment === "production") {
    if (loopback && options.allowHttpLoopbackInProduction) return { ok: true };
    return {
      ok: false,
      problem: `uses plain http in production: the client secret and tokens would travel in clear.`,
      fix: loopback
        ? `Set {server} to production (or another https URL); the local emulator is for development and tests (a test that must run "production" against it sets ${UNSAFE_HTTP_LOOPBACK_IN_PRODUCTION}=1).`
        : "Set {server} to production (or another https URL).",
    };
  }
  if (loopback) return { ok: true };
  return {
    ok: false,
    problem: `uses plain http on a host that is not loopback: the client secret and tokens would cross the network in clear.`,
    fix: "Set {server} to an https URL, or run the emulator on loopback (http://127.0.0.1:4000).",
  };
}
