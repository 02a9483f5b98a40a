import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  type ClientMetadata,
  clientMetadataSchema,
  type Environment,
  type RegisteredClient,
  validateRedirectUri,
} from "@polar-oauth/core/setup";
import { z } from "zod";
import { usageError } from "./exit-codes.js";
import { withPolarNote } from "./redirect-uri-note.js";

/** Default name of the checked-in desired-state file. */
export const DESIRED_CLIENT_FILE = "polar-oauth.json";

/** The fields a `polar-oauth.json` entry may hold (RFC 7591 names). */
export const DESIRED_FIELDS = [
  "client_name",
  "redirect_uris",
  "client_uri",
  "logo_uri",
  "tos_uri",
  "policy_uri",
  "token_endpoint_auth_method",
  "default_sub_type",
  "scope",
  "grant_types",
] as const;

type DesiredField = (typeof DESIRED_FIELDS)[number];

/**
 * Fields that keep their registered value when reconciling and the desired state does not
 * name them. The URI fields are not among them (Polar cannot clear them: a note says so) nor
 * is `scope` (an absent scope already accepts what Polar stores).
 */
export const KEPT_FIELDS = [
  "client_name",
  "redirect_uris",
  "token_endpoint_auth_method",
  "grant_types",
] as const satisfies readonly DesiredField[];

/** Client fields given on the command line (each overrides the file's). */
export interface DesiredClientFlags {
  name?: string | undefined;
  redirectUri?: string[] | undefined;
  clientUri?: string | undefined;
  logoUri?: string | undefined;
  tosUri?: string | undefined;
  policyUri?: string | undefined;
  authMethod?: string | undefined;
  subType?: string | undefined;
  scope?: string | undefined;
}

const FLAG_OF: Record<DesiredField, string> = {
  client_name: "--name",
  redirect_uris: "--redirect-uri",
  client_uri: "--client-uri",
  logo_uri: "--logo-uri",
  tos_uri: "--tos-uri",
  policy_uri: "--policy-uri",
  token_endpoint_auth_method: "--auth-method",
  default_sub_type: "--sub-type",
  scope: "--scope",
  grant_types: "grant_types",
};

/** The client the user wants for one environment, validated with core's schema. */
export interface DesiredClient {
  /** With the seed's defaults applied (auth method, grant and response types). */
  metadata: ClientMetadata;
  /** Where it came from, for messages: e.g. `polar-oauth.json (production) + flags`. */
  source: string;
}

/**
 * Builds the desired client from an entry of `polar-oauth.json` (if the file exists or
 * `configPath` is given) overlaid with flags (`--redirect-uri` replaces the file's list), and
 * validates it with core's `clientMetadataSchema` plus the environment's redirect-URI rules
 * (no http in production). Returns undefined when neither file entry nor flags give anything.
 * Every problem is reported at once, one line each, naming the flag or file field.
 */
export async function loadDesiredClient(options: {
  environment: Environment;
  flags: DesiredClientFlags;
  cwd: string;
  configPath?: string | undefined;
  /**
   * Reconciling an existing client: reads it from Polar. The fields a registration needs or
   * defaults ({@link KEPT_FIELDS}: name, redirect URIs, auth method, grant types) keep their
   * registered values when neither the file nor a flag names them, so
   * `bootstrap --redirect-uri …` changes the redirect URIs and nothing else.
   */
  registered?: (() => Promise<RegisteredClient>) | undefined;
}): Promise<DesiredClient | undefined> {
  const { environment, flags } = options;
  const file = await readDesiredFile(options.cwd, options.configPath, environment);
  const input: Record<string, unknown> = { ...(file?.entry ?? {}) };
  const origin = new Map<string, string>();
  for (const key of Object.keys(input)) origin.set(key, `${file!.name} ${environment}.${key}`);
  const set = (field: DesiredField, value: unknown) => {
    if (value === undefined) return;
    input[field] = value;
    origin.set(field, FLAG_OF[field]);
  };
  set("client_name", flags.name);
  set("redirect_uris", flags.redirectUri?.length ? flags.redirectUri : undefined);
  set("client_uri", flags.clientUri);
  set("logo_uri", flags.logoUri);
  set("tos_uri", flags.tosUri);
  set("policy_uri", flags.policyUri);
  set("token_endpoint_auth_method", flags.authMethod);
  set("default_sub_type", flags.subType);
  set("scope", flags.scope);
  if (Object.keys(input).length === 0) return undefined;
  if (options.registered && KEPT_FIELDS.some((field) => input[field] === undefined)) {
    const client = await options.registered();
    for (const field of KEPT_FIELDS) {
      const value = client[field];
      if (input[field] === undefined && value !== undefined && value !== null) {
        input[field] = value;
        origin.set(field, "the registered client");
      }
    }
  }

  const problems: string[] = [];
  const where = (path: readonly PropertyKey[]) => {
    const field = String(path[0] ?? "client");
    const name =
      origin.get(field) ??
      (file ? `${file.name} ${environment}.${field}` : (FLAG_OF[field as DesiredField] ?? field));
    return path.length > 1 && !name.startsWith("--") ? `${name}[${String(path[1])}]` : name;
  };
  const parsed = clientMetadataSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? "");
      const missing = issue.code === "invalid_type" && input[field] === undefined;
      problems.push(
        missing
          ? `${field} is required: pass ${FLAG_OF[field as DesiredField] ?? field} or set "${field}" in the ${environment} entry of ${file?.name ?? DESIRED_CLIENT_FILE}.`
          : `${where(issue.path)}: ${sentence(issue.message)}`,
      );
    }
  }
  if (Array.isArray(input.redirect_uris)) {
    input.redirect_uris.forEach((uri: unknown, index) => {
      if (typeof uri !== "string") return;
      const verdict = validateRedirectUri(uri, environment);
      const known = problems.some((p) => p.includes(uri));
      if (!verdict.ok && !known) {
        problems.push(`${where(["redirect_uris", index])}: ${verdict.problem} ${verdict.fix}`);
      }
      withPolarNote(problems, uri, environment);
    });
  }
  if (problems.length > 0 || !parsed.success) {
    throw usageError(problems.join("\n"), "DESIRED_CLIENT_INVALID");
  }
  const flagged = [...origin.values()].some((name) => name.startsWith("--"));
  const kept = [...origin.values()].includes("the registered client");
  const source = [
    file ? `${file.name} (${environment})` : undefined,
    flagged ? "flags" : undefined,
    kept ? "the registered client" : undefined,
  ]
    .filter(Boolean)
    .join(" + ");
  return { metadata: parsed.data, source };
}

/** Reads the entry for one environment; a missing default file is fine, a given one must exist. */
async function readDesiredFile(
  cwd: string,
  configPath: string | undefined,
  environment: Environment,
): Promise<{ name: string; entry: Record<string, unknown> | undefined } | undefined> {
  const name = configPath ?? DESIRED_CLIENT_FILE;
  let text: string;
  try {
    text = await readFile(resolve(cwd, name), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && configPath === undefined) return undefined;
    throw usageError(`Cannot read ${name} (${code ?? "error"}).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw usageError(`${name} is not valid JSON: ${(error as Error).message}.`);
  }
  const parsed = desiredFileSchema.safeParse(json);
  if (!parsed.success) throw usageError(describeFileIssue(name, parsed.error.issues[0]));
  return { name, entry: parsed.data[environment] };
}

/**
 * The shape of `polar-oauth.json`: one entry per environment, each with client fields only.
 * The field values are checked afterwards by core's `clientMetadataSchema` (with flags merged).
 */
const desiredEntrySchema = z.strictObject(
  Object.fromEntries(DESIRED_FIELDS.map((field) => [field, z.unknown().optional()])) as Record<
    DesiredField,
    z.ZodOptional<z.ZodUnknown>
  >,
);
const desiredFileSchema = z.strictObject({
  $schema: z.string().optional(),
  development: desiredEntrySchema.optional(),
  staging: desiredEntrySchema.optional(),
  production: desiredEntrySchema.optional(),
});

/** One line naming the file, the key and the fix for the first shape problem zod found. */
function describeFileIssue(name: string, issue: z.core.$ZodIssue | undefined): string {
  const [environment] = issue?.path ?? [];
  if (issue?.code === "unrecognized_keys") {
    const key = issue.keys[0];
    return environment === undefined
      ? `${name}: unknown key "${key}"; use "development", "staging" or "production".`
      : `${name} ${String(environment)}.${key} is not a client field; use ${DESIRED_FIELDS.join(", ")}.`;
  }
  if (environment === "$schema") return `${name}: "$schema" must be a string.`;
  return environment === undefined
    ? `${name} must be an object with one entry per environment ("development", "staging", "production").`
    : `${name}: "${String(environment)}" must be an object of client fields.`;
}

/** Ends a message with exactly one sentence mark. */
export function sentence(message: string): string {
  return /[.?!]$/.test(message) ? message : `${message}.`;
}
