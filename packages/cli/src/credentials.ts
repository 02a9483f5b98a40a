import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Environment, RegisteredClient } from "@polar-oauth/core/setup";
import { type DotenvWrite, dotenvValue, writeDotenvFile } from "./dotenv-file.js";
import { polarStoredUri } from "./drift.js";
import { credentialVariableNames } from "./environment.js";
import { CliError, usageError } from "./exit-codes.js";
import type { Output } from "./output.js";
import { assertTrustworthyCredentials } from "./server-answer.js";
import { serverValue } from "./terminal-text.js";

/** Formats for credentials on stdout. */
export const CREDENTIAL_FORMATS = ["dotenv", "json", "shell"] as const;
/** `dotenv` (KEY=value), `json` (one object) or `shell` (`export KEY='value'`). */
export type CredentialFormat = (typeof CREDENTIAL_FORMATS)[number];

/** Where new credentials go: a dotenv file (merged, 0600, atomic) or stdout in a format. */
export type CredentialTarget =
  | { kind: "file"; path: string; absolutePath: string; defaulted: boolean }
  | { kind: "stdout"; format: CredentialFormat };

/**
 * Chooses the credential target. `--format` prints on stdout, allowed only when stdout is not a
 * terminal or with `--print-secrets`; otherwise the dotenv file `--out`, by default
 * `.env.<environment>.local`.
 */
export function resolveCredentialTarget(options: {
  out?: string | undefined;
  format?: string | undefined;
  printSecrets?: boolean | undefined;
  stdoutIsTTY: boolean;
  defaultPath: string;
  cwd: string;
}): CredentialTarget {
  if (options.format !== undefined) {
    if (options.out !== undefined) {
      throw usageError(
        "--out and --format are exclusive: --out writes a dotenv file, --format prints to stdout.",
      );
    }
    if (options.stdoutIsTTY && !options.printSecrets) {
      throw usageError(
        "Refusing to print secrets to a terminal: pipe stdout elsewhere, pass --print-secrets, or use --out FILE.",
      );
    }
    return { kind: "stdout", format: options.format as CredentialFormat };
  }
  const path = options.out ?? options.defaultPath;
  return {
    kind: "file",
    path,
    absolutePath: resolve(options.cwd, path),
    defaulted: options.out === undefined,
  };
}

/** Variables to write for a client; the secret values are revealed here and nowhere else. */
export type CredentialEntries = Array<readonly [string, string]>;

/**
 * The variables for a freshly registered client: `POLAR_CLIENT_ID_<ENV>`,
 * `POLAR_CLIENT_SECRET_<ENV>` (confidential clients), `POLAR_REGISTRATION_TOKEN_<ENV>`, and
 * `POLAR_REDIRECT_URI_<ENV>` (`redirectUri`: the one asked for, see {@link redirectUriToWrite})
 * when given. `previous` keeps a replaced client's id and token (`POLAR_PREVIOUS_…`) so it can
 * still be deleted after the deploy.
 */
export function credentialEntries(
  client: RegisteredClient,
  environment: Environment,
  options: {
    redirectUri: string | undefined;
    previous?: { clientId: string; registrationToken: string | undefined } | undefined;
  },
): CredentialEntries {
  const names = credentialVariableNames(environment);
  const entries: Array<readonly [string, string]> = [[names.clientId, client.client_id]];
  if (client.client_secret) entries.push([names.clientSecret, client.client_secret.reveal()]);
  if (client.registration_access_token) {
    entries.push([names.registrationToken, client.registration_access_token.reveal()]);
  }
  if (options.redirectUri) entries.push([names.redirectUri, options.redirectUri]);
  if (options.previous) {
    entries.push([names.previousClientId, options.previous.clientId]);
    if (options.previous.registrationToken) {
      entries.push([names.previousRegistrationToken, options.previous.registrationToken]);
    }
  }
  return entries;
}

/**
 * The redirect URI to write after a registration: the one asked for (`requested`, the first
 * sent), in the form Polar stores it (host lowercased, a bare host given `/`), and only when
 * the server's first stored URI is that string byte for byte. A server that answers with a
 * look-alike (a fullwidth `ｓ`, a soft hyphen, another host that URL parsing folds into the same
 * one) gets `refused`: a message for the error, with the server's value escaped. The server's
 * string itself is never written.
 */
export function redirectUriToWrite(
  requested: string | undefined,
  client: RegisteredClient,
): { write: string | undefined } | { refused: string } {
  const stored = client.redirect_uris[0];
  if (requested === undefined || stored === undefined) return { write: undefined };
  const expected = polarStoredUri(requested);
  if (stored === expected || stored === requested) return { write: stored };
  return {
    refused: `Polar stored the redirect URI as "${serverValue(stored)}", which is not the one asked for (${requested}${expected === requested ? "" : `, stored by Polar as ${expected}`}) byte for byte, so it was not written (the other credentials were). Fix: check that POLAR_SERVER is Polar; run \`polar-oauth clients get\` to see what is registered, and set the redirect URI variable yourself once it is right.`,
  };
}

/** Renders credentials for stdout; dotenv values are quoted exactly as in a file ({@link dotenvValue}). */
export function formatCredentials(entries: CredentialEntries, format: CredentialFormat): string {
  if (format === "json") return `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`;
  if (format === "shell") {
    return entries
      .map(([key, value]) => `export ${key}='${value.replace(/'/g, `'\\''`)}'\n`)
      .join("");
  }
  return entries.map(([key, value]) => `${key}=${dotenvValue(value, key)}\n`).join("");
}

/**
 * Stores credentials in the target before anything reports success, after checking each
 * value's shape (see `server-answer.ts`): an answer that fails writes and prints nothing.
 * `settings` (the app settings bootstrap adds, see `app-settings.ts`) are the CLI's own values,
 * not the server's, and are written after the credentials unchecked. If the file cannot be
 * written after all (the target was checked beforehand), the credentials go to a 0600 rescue
 * file in the temp directory and the error says where: a secret Polar shows once is never lost.
 */
export async function storeCredentials(
  target: CredentialTarget,
  entries: CredentialEntries,
  output: Output,
  remove: readonly string[] = [],
  settings: CredentialEntries = [],
): Promise<DotenvWrite | undefined> {
  // Before anything is written or printed: a hostile server must not inject a variable.
  assertTrustworthyCredentials(entries);
  const all = [...entries, ...settings];
  if (target.kind === "stdout") {
    output.reserveStdout();
    output.credentials(formatCredentials(all, target.format));
    return undefined;
  }
  try {
    return await writeDotenvFile(target.absolutePath, all, remove, target.path);
  } catch (error) {
    const reason =
      error instanceof CliError
        ? error.message
        : ((error as NodeJS.ErrnoException).code ?? "error");
    const rescueDir = await mkdtemp(join(tmpdir(), "polar-oauth-"));
    const rescue = join(rescueDir, "credentials.env");
    await writeDotenvFile(rescue, all);
    throw new CliError(
      `Could not write ${target.path} (${reason}). The new credentials are saved in ${rescue} (mode 0600): move them into place before running bootstrap again.`,
      1,
      "CREDENTIALS_NOT_WRITTEN",
    );
  }
}

/** "to .env.production (mode 0600)" or "to stdout (dotenv)". */
export function describeTarget(target: CredentialTarget): string {
  return target.kind === "file" ? `${target.path} (mode 0600)` : `stdout (${target.format})`;
}
