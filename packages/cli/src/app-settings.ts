import { randomBytes } from "node:crypto";
import { type Environment, type PolarServer, resolvePolarServer } from "@polar-oauth/core/setup";
import type { CredentialTarget } from "./credentials.js";
import type { LayeredEnv } from "./env-sources.js";

/** The app settings `bootstrap` writes beside the credentials (never the server's answer). */
export type AppSettingEntries = Array<readonly [string, string]>;

/** The server an environment's app uses when `POLAR_SERVER` is unset (core's default). */
function defaultServerKind(environment: Environment): "production" | "sandbox" {
  return environment === "production" ? "production" : "sandbox";
}

/**
 * What, besides the credentials, lets the app run on the credential file alone
 * (`node --env-file=.env.development.local app.js`):
 * - `POLAR_SERVER` when the client lives on a server other than the environment's default
 *   (an emulator, or sandbox for production), or when the file names another server than the
 *   one the client was registered on: `production`, `sandbox` or the URL.
 * - `SESSION_SECRET`, generated (32 random bytes, base64url), outside production and only when
 *   neither the environment nor the file sets one: an existing secret is never replaced, and
 *   production secrets stay the operator's. Written to a file only, never printed.
 */
export function appSettingEntries(options: {
  environment: Environment;
  server: PolarServer;
  layered: LayeredEnv;
  target: CredentialTarget;
}): AppSettingEntries {
  const { environment, server, layered, target } = options;
  const entries: Array<readonly [string, string]> = [];
  const inFile = layered.file.POLAR_SERVER?.trim();
  const fileServer = inFile ? resolvePolarServer(inFile) : undefined;
  const namesOther = inFile !== undefined && inFile !== "" && fileServer?.url !== server.url;
  if (server.kind !== defaultServerKind(environment) || namesOther) {
    entries.push(["POLAR_SERVER", server.kind === "custom" ? server.url : server.kind]);
  }
  if (
    target.kind === "file" &&
    environment !== "production" &&
    !layered.values.SESSION_SECRET?.trim()
  ) {
    entries.push(["SESSION_SECRET", randomBytes(32).toString("base64url")]);
  }
  return entries;
}

/**
 * The entries a file lacks or holds with another value: a later `bootstrap` run writes only
 * these, so an unchanged file is not rewritten.
 */
export function missingSettings(
  entries: AppSettingEntries,
  layered: LayeredEnv,
): AppSettingEntries {
  return entries.filter(([name, value]) => layered.file[name] !== value);
}
