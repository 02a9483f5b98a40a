import { resolve } from "node:path";
import type { Environment } from "@polar-oauth/core/setup";
import { readDotenvFile } from "./dotenv-file.js";
import { credentialVariableNames } from "./environment.js";
import { CliError } from "./exit-codes.js";

/** Where a variable's value came from. */
export type VariableSource = "environment" | "file";

/** The process environment layered over a dotenv file (the process wins, as with `node --env-file`). */
export interface LayeredEnv {
  /** Merged variables. */
  values: Record<string, string | undefined>;
  /** The file's own variables (empty when there is no file). */
  file: Record<string, string>;
  /** Path of the file as the user gave it, or undefined when none is read. */
  filePath: string | undefined;
  /** True when the file exists. */
  fileExists: boolean;
  /** Where a variable's merged value comes from (undefined when unset). */
  sourceOf(name: string): VariableSource | undefined;
  /** A readable source: "the environment" or the file's path. */
  describeSource(name: string): string;
}

/**
 * Reads a dotenv file (if `path` is given; a missing file is fine) and layers the process
 * environment over it, the way the app sees variables when it loads that file.
 */
export async function layerEnv(
  processEnv: Readonly<Record<string, string | undefined>>,
  path: string | undefined,
  cwd: string,
): Promise<LayeredEnv> {
  const file = path ? await readDotenvFile(resolve(cwd, path), path) : undefined;
  const fileValues = file?.variables ?? {};
  const values: Record<string, string | undefined> = { ...fileValues };
  for (const [name, value] of Object.entries(processEnv)) {
    if (value !== undefined && value !== "") values[name] = value;
  }
  const sourceOf = (name: string): VariableSource | undefined => {
    if (processEnv[name] !== undefined && processEnv[name] !== "") return "environment";
    return fileValues[name] !== undefined && fileValues[name] !== "" ? "file" : undefined;
  };
  return {
    values,
    file: fileValues,
    filePath: path,
    fileExists: file?.exists ?? false,
    sourceOf,
    describeSource: (name) => (sourceOf(name) === "file" ? (path ?? "file") : "the environment"),
  };
}

/** Credentials of an environment's client found in the environment or the credential file. */
export interface ExistingCredentials {
  clientId: string | undefined;
  /** Variable that supplied the client id (e.g. `POLAR_CLIENT_ID_PROD`, or `POLAR_CLIENT_ID`). */
  clientIdVariable: string;
  registrationToken: string | undefined;
  registrationTokenVariable: string;
  clientSecret: string | undefined;
  redirectUri: string | undefined;
  redirectUriVariable: string;
}

/**
 * Finds the client already set up for an environment, with the app's precedence: the
 * unsuffixed `POLAR_CLIENT_ID` (etc.) overrides `POLAR_CLIENT_ID_<ENV>`. Refuses a client id in
 * the environment that contradicts the one in the file (which one is real is for a human to say).
 */
export function findExistingCredentials(
  layered: LayeredEnv,
  environment: Environment,
  processEnv: Readonly<Record<string, string | undefined>>,
): ExistingCredentials {
  const names = credentialVariableNames(environment);
  const pick = (base: string, suffixed: string) => {
    const baseValue = layered.values[base]?.trim();
    if (baseValue) return { variable: base, value: baseValue };
    return { variable: suffixed, value: layered.values[suffixed]?.trim() || undefined };
  };
  const clientId = pick("POLAR_CLIENT_ID", names.clientId);
  const fromEnv = processEnv[clientId.variable]?.trim();
  const fromFile = layered.file[clientId.variable]?.trim();
  if (fromEnv && fromFile && fromEnv !== fromFile) {
    throw new CliError(
      `${clientId.variable} is ${fromEnv} in the environment but ${fromFile} in ${layered.filePath}. Fix: unset one of them, so there is one client per environment.`,
      1,
      "CREDENTIALS_CONFLICT",
    );
  }
  const token = pick("POLAR_REGISTRATION_TOKEN", names.registrationToken);
  const redirectUri = pick("POLAR_REDIRECT_URI", names.redirectUri);
  return {
    clientId: clientId.value,
    clientIdVariable: clientId.variable,
    registrationToken: token.value,
    registrationTokenVariable: token.variable,
    clientSecret: pick("POLAR_CLIENT_SECRET", names.clientSecret).value,
    redirectUri: redirectUri.value,
    redirectUriVariable: redirectUri.variable,
  };
}
