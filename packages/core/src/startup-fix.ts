import type { PolarConfig } from "./config/schema.js";
import { serverSetting } from "./server/server-choice.js";

/** One argument as a POSIX shell reads it back: bare when safe, else in single quotes. */
export function shellArgument(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command that registers the app's redirect URI on its existing client, keeping the URIs
 * already registered: `polar-oauth bootstrap --env … --server … --redirect-uri … --apply`.
 * It runs as printed where the app's credentials are (the environment, or the default
 * `.env.<environment>.local`): bootstrap reads the client back with its registration token
 * and takes the client's name and auth method from Polar, so no other flag is needed.
 */
export function registerRedirectUriCommand(
  config: Pick<PolarConfig, "environment" | "server" | "redirectUri">,
  registeredRedirectUris: readonly string[],
): string {
  const uris = [...registeredRedirectUris.filter((uri) => uri !== config.redirectUri)];
  uris.push(config.redirectUri);
  return bootstrapCommand(config, ...uris.flatMap((uri) => ["--redirect-uri", uri]), "--apply");
}

/**
 * The command that registers a new client for the app's redirect URI on the configured server
 * (`--force-new`: the configured one is kept as `POLAR_PREVIOUS_…`). Runs as printed; the
 * name "My app" is a placeholder worth replacing.
 */
export function registerNewClientCommand(
  config: Pick<PolarConfig, "environment" | "server" | "redirectUri">,
): string {
  return bootstrapCommand(
    config,
    "--force-new",
    "--name",
    "My app",
    "--redirect-uri",
    config.redirectUri,
  );
}

/** `polar-oauth bootstrap --env … --server … <args>`, each argument quoted for the shell. */
function bootstrapCommand(
  config: Pick<PolarConfig, "environment" | "server">,
  ...args: string[]
): string {
  const env = ["--env", config.environment, "--server", serverSetting(config.server)];
  return ["polar-oauth", "bootstrap", ...env, ...args].map(shellArgument).join(" ");
}

/**
 * The command that adds scopes to the client's registered scope (keeping what it has):
 * `polar-oauth clients update --env … --server … --scope '…'`. Runs as printed where the
 * app's credentials are; Polar then grants them at the next sign-in.
 */
export function addScopesCommand(
  config: Pick<PolarConfig, "environment" | "server">,
  registeredScope: string,
  missing: readonly string[],
): string {
  const scopes = [...new Set([...registeredScope.split(" ").filter(Boolean), ...missing])];
  return [
    "polar-oauth",
    "clients",
    "update",
    "--env",
    config.environment,
    "--server",
    serverSetting(config.server),
    "--scope",
    scopes.join(" "),
  ]
    .map(shellArgument)
    .join(" ");
}
