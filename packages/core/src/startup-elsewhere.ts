import type { PolarConfig } from "./config/schema.js";
import { PolarServerMismatchError } from "./errors.js";
import { isRecord } from "./http.js";
import { authorizationApiEndpoint, type PolarServer } from "./server/polar-servers.js";
import { describeServerChoice, nameServer, otherPolarServer } from "./server/server-choice.js";

/**
 * When the configured server does not know the client, asks the other hosted Polar server
 * (production for the sandbox, the sandbox for production; nothing for a custom server) with
 * one anonymous request to its JSON authorize API. Returns the error that says where the
 * client lives and what to set, or undefined when the other server does not know it either
 * or cannot tell (unreachable, rate limited, a 5xx).
 */
export async function findClientElsewhere(
  config: PolarConfig,
  options: { fetch?: typeof fetch | undefined },
): Promise<PolarServerMismatchError | undefined> {
  const other = otherPolarServer(config.server);
  if (!other || other.kind === "custom") return undefined;
  if (!(await knowsClient(other, config, options.fetch ?? fetch))) return undefined;
  return new PolarServerMismatchError(
    `Polar client ${config.clientId} is not registered on ${config.server.url} (${describeServerChoice(config)}); it is registered on ${nameServer(other)}. Sandbox and production are separate Polar servers, each with its own clients and users. Fix: set POLAR_SERVER=${other.kind}${other.kind === "production" && config.environment !== "production" ? ` (users then sign in with real Polar accounts)` : ""}, or use a client registered on ${nameServer(config.server)}.`,
    other.kind,
  );
}

/**
 * True when `server` accepts the client id: its authorize API answers anything but 400
 * `invalid_client` (401 login required, a redirect, or 400 for another reason such as the
 * redirect URI). Undefined answers (network, 429, 5xx) count as no.
 */
async function knowsClient(
  server: PolarServer,
  config: PolarConfig,
  doFetch: typeof fetch,
): Promise<boolean> {
  const url = new URL(authorizationApiEndpoint(server));
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: config.scopes.join(" "),
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    code_challenge_method: "S256",
  }).toString();
  try {
    const response = await doFetch(url, {
      redirect: "manual",
      signal: AbortSignal.timeout(config.timeoutMs),
      headers: { accept: "application/json" },
    });
    if (response.status !== 400) {
      await response.body?.cancel();
      return response.status === 401 || (response.status >= 200 && response.status < 400);
    }
    const body: unknown = await response.json().catch(() => undefined);
    return isRecord(body) && typeof body.error === "string" && body.error !== "invalid_client";
  } catch {
    return false;
  }
}
