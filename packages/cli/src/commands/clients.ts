import { resolve } from "node:path";
import {
  AUTH_METHODS,
  type ClientMetadataInput,
  clientMetadataSchema,
  deleteClient,
  ENVIRONMENTS,
  type Environment,
  getClient,
  PolarApiError,
  type RegistrationContext,
  updateClient,
  validateRedirectUri,
} from "@polar-oauth/core/setup";
import { type Command, Option } from "commander";
import { type ClientView, clientView, renderClient } from "../client-view.js";
import { confirm } from "../confirm.js";
import { sentence } from "../desired-client.js";
import { writeDotenvFile } from "../dotenv-file.js";
import { diffClient, formatDiff } from "../drift.js";
import { type LayeredEnv, layerEnv } from "../env-sources.js";
import { credentialVariableNames, defaultEnvFile, resolveEnvironment } from "../environment.js";
import { CliError, EXIT, type ExitCode, usageError } from "../exit-codes.js";
import { withProgress } from "../progress.js";
import { readClient } from "../read-client.js";
import { withPolarNote } from "../redirect-uri-note.js";
import {
  addCommonOptions,
  addEnvFileOption,
  type CommonOptions,
  noteIgnoredAccessToken,
  type RunContext,
  registrationContext,
} from "../run-context.js";
import { resolveServer } from "../server.js";
import { renderTable } from "../table.js";
import { serverValue } from "../terminal-text.js";

/** Flags shared by the `clients` subcommands. */
export interface ClientsOptions extends CommonOptions {
  envFile?: string | undefined;
}

/** Flags of `clients update`. */
export interface ClientsUpdateOptions extends ClientsOptions {
  name?: string | undefined;
  redirectUri?: string[] | undefined;
  addRedirectUri?: string[] | undefined;
  removeRedirectUri?: string[] | undefined;
  clientUri?: string | undefined;
  logoUri?: string | undefined;
  tosUri?: string | undefined;
  policyUri?: string | undefined;
  authMethod?: string | undefined;
  scope?: string | undefined;
  dryRun?: boolean | undefined;
}

/** Flags of `clients delete`. */
export interface ClientsDeleteOptions extends ClientsOptions {
  yes?: boolean | undefined;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** Adds `polar-oauth clients list|get|update|delete`. */
export function clientsCommand(
  program: Command,
  run: RunContext,
  done: (code: ExitCode) => void,
): void {
  const clients = program
    .command("clients")
    .description("List, show, update and delete this project's Polar OAuth clients.")
    .addHelpText(
      "after",
      `
Credentials: each client's own registration token (POLAR_REGISTRATION_TOKEN_<ENV>, or
POLAR_PREVIOUS_REGISTRATION_TOKEN_<ENV> after a rotation). Polar refuses Personal Access
Tokens on client management (403), so POLAR_ACCESS_TOKEN is never sent. Polar shows the
clients owned by your account only in its dashboard.

Examples:
  $ polar-oauth clients list
  $ polar-oauth clients get --env production --env-file .env.production
  $ polar-oauth clients update --add-redirect-uri https://staging.example.com/auth/callback
  $ polar-oauth clients delete polar_ci_… --yes
  $ polar-oauth clients delete --env staging --env-file .env.preview --yes`,
    );

  const common = (command: Command) => addEnvFileOption(addCommonOptions(command));

  common(
    clients
      .command("list")
      .description(
        "List the clients this project knows (each environment's client id and registration token, from the environment and .env.<environment>.local), read back from Polar one by one.",
      ),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  $ polar-oauth clients list\n  $ polar-oauth clients list --json | jq '.[].clientId'",
    )
    .action(async (options: ClientsOptions) => done(await listCommand(options, run)));

  common(
    clients
      .command("get")
      .argument("[client_id]", "client to show (default: POLAR_CLIENT_ID_<ENV>)")
      .description("Show one client's registration (never its secret)."),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  $ polar-oauth clients get\n  $ polar-oauth clients get polar_ci_… --json",
    )
    .action(async (clientId: string | undefined, options: ClientsOptions) =>
      done(await getCommand(clientId, options, run)),
    );

  common(
    clients
      .command("update")
      .argument("[client_id]", "client to update (default: POLAR_CLIENT_ID_<ENV>)")
      .description("Change fields of a client; unspecified fields keep their registered values.")
      .option("--name <name>", "new client_name")
      .option("--redirect-uri <uri>", "replace the redirect URIs (repeatable)", collect)
      .option("--add-redirect-uri <uri>", "add a redirect URI (repeatable)", collect)
      .option("--remove-redirect-uri <uri>", "remove a redirect URI (repeatable)", collect)
      .option("--client-uri <url>", "homepage")
      .option("--logo-uri <url>", "logo")
      .option("--tos-uri <url>", "terms of service")
      .option("--policy-uri <url>", "privacy policy")
      .addOption(
        new Option("--auth-method <method>", "token_endpoint_auth_method").choices(AUTH_METHODS),
      )
      .option("--scope <scopes>", "space-separated scopes")
      .option("--dry-run", "print the change; change nothing"),
  )
    .addHelpText(
      "after",
      '\nExamples:\n  $ polar-oauth clients update --add-redirect-uri https://app.example.com/auth/callback\n  $ polar-oauth clients update polar_ci_… --name "My App" --dry-run',
    )
    .action(async (clientId: string | undefined, options: ClientsUpdateOptions) =>
      done(await updateCommand(clientId, options, run)),
    );

  common(
    clients
      .command("delete")
      .argument("[client_id]", "client to delete (default: POLAR_CLIENT_ID_<ENV>)")
      .description(
        "Delete a client. Sign-ins and refreshes stop; access tokens it already issued stay valid until they expire (Polar soft-deletes, whatever its docs say).",
      )
      .option("-y, --yes", "do not ask for confirmation"),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  $ polar-oauth clients delete polar_ci_…          # asks first\n  $ polar-oauth clients delete polar_ci_… --yes    # in scripts (required when not a terminal)\n  $ polar-oauth clients delete --env staging --env-file .env.preview --yes   # a preview's client, at teardown",
    )
    .action(async (clientId: string | undefined, options: ClientsDeleteOptions) =>
      done(await deleteCommand(clientId, options, run)),
    );
}

/** What the `clients` subcommands share: environment, merged variables, server. */
interface ClientsScope {
  environment: Environment;
  layered: LayeredEnv;
  context: (clientId: string) => RegistrationContext;
}

async function clientsScope(options: ClientsOptions, run: RunContext): Promise<ClientsScope> {
  const environment = resolveEnvironment(options.env, run.io.env);
  const layered = await layerEnv(
    run.io.env,
    options.envFile ?? defaultEnvFile(environment),
    run.io.cwd,
  );
  run.redactor.addEnvironment(layered.values);
  noteIgnoredAccessToken(layered.values, run.output);
  const server = resolveServer(options.server, layered.values, environment);
  const names = credentialVariableNames(environment);
  return {
    environment,
    layered,
    context: (clientId) => {
      // Polar accepts only the client's own registration token here (a PAT gets 403).
      let registrationAccessToken: string | undefined;
      const current =
        layered.values.POLAR_CLIENT_ID?.trim() || layered.values[names.clientId]?.trim();
      if (clientId === current) {
        registrationAccessToken =
          layered.values.POLAR_REGISTRATION_TOKEN?.trim() ||
          layered.values[names.registrationToken]?.trim();
      } else if (clientId === layered.values[names.previousClientId]?.trim()) {
        registrationAccessToken = layered.values[names.previousRegistrationToken]?.trim();
      }
      if (!registrationAccessToken) {
        throw new CliError(
          `Managing ${clientId} needs its registration token, the only credential Polar accepts for it. Fix: set ${names.registrationToken} (written by bootstrap) with ${names.clientId}=${clientId}, or pass --env-file with them. A client registered from Polar's dashboard is managed there.`,
          EXIT.FAILURE,
          "POLAR_CREDENTIAL_MISSING",
        );
      }
      return registrationContext(server, layered.values, registrationAccessToken);
    },
  };
}

function defaultClientId(scope: ClientsScope, clientId: string | undefined): string {
  const names = credentialVariableNames(scope.environment);
  const id =
    clientId ??
    (scope.layered.values.POLAR_CLIENT_ID?.trim() || scope.layered.values[names.clientId]?.trim());
  if (!id) {
    throw usageError(
      `No client id given and ${names.clientId} is not set: pass the client id (polar_ci_…).`,
    );
  }
  return id;
}

/** A client this project knows, read back from Polar (or why it could not be). */
interface KnownClient {
  environment: Environment;
  /** `current`: POLAR_CLIENT_ID_<ENV>; `previous`: kept by a rotation until deleted. */
  role: "current" | "previous";
  clientId: string;
  /** Where the id came from: "the environment" or a dotenv file. */
  source: string;
  status: "ok" | "no_registration_token" | "unreadable";
  client?: ClientView;
}

const DASHBOARD_NOTE =
  "Polar shows the clients owned by your account (registered while signed in) only in its dashboard; no API lists them for a program.";

/**
 * The clients of every environment that the process environment and `.env.<environment>.local`
 * (or `--env-file` for the chosen environment) name, each read back with its registration token.
 */
async function knownClients(options: ClientsOptions, run: RunContext): Promise<KnownClient[]> {
  const chosen = resolveEnvironment(options.env, run.io.env);
  const known: KnownClient[] = [];
  for (const environment of ENVIRONMENTS) {
    const file =
      environment === chosen && options.envFile ? options.envFile : defaultEnvFile(environment);
    const layered = await layerEnv(run.io.env, file, run.io.cwd);
    run.redactor.addEnvironment(layered.values);
    const names = credentialVariableNames(environment);
    // The unsuffixed variables apply to the app's own ENVIRONMENT only.
    const unsuffixed = (name: string) =>
      environment === chosen ? layered.values[name]?.trim() : undefined;
    const entries = [
      {
        role: "current" as const,
        idVar: unsuffixed("POLAR_CLIENT_ID") ? "POLAR_CLIENT_ID" : names.clientId,
        clientId: unsuffixed("POLAR_CLIENT_ID") || layered.values[names.clientId]?.trim(),
        token:
          unsuffixed("POLAR_REGISTRATION_TOKEN") || layered.values[names.registrationToken]?.trim(),
      },
      {
        role: "previous" as const,
        idVar: names.previousClientId,
        clientId: layered.values[names.previousClientId]?.trim(),
        token: layered.values[names.previousRegistrationToken]?.trim(),
      },
    ];
    for (const entry of entries) {
      if (!entry.clientId) continue;
      const base = {
        environment,
        role: entry.role,
        clientId: entry.clientId,
        source: layered.describeSource(entry.idVar),
      };
      if (!entry.token) {
        known.push({ ...base, status: "no_registration_token" });
        continue;
      }
      const server = resolveServer(options.server, layered.values, environment);
      const clientId = entry.clientId;
      try {
        const client = await withProgress(run.output, `Reading client ${clientId}`, () =>
          getClient(clientId, registrationContext(server, layered.values, entry.token)),
        );
        known.push({ ...base, status: "ok", client: clientView(client) });
      } catch (error) {
        if (!(error instanceof PolarApiError && [400, 401, 403, 404].includes(error.status)))
          throw error;
        known.push({ ...base, status: "unreadable" });
      }
    }
  }
  return known;
}

const STATUS_TEXT: Record<KnownClient["status"], string> = {
  ok: "ok",
  no_registration_token: "no registration token: cannot be read",
  unreadable: "cannot be read: deleted at Polar, or the token belongs to another client",
};

async function listCommand(options: ClientsOptions, run: RunContext): Promise<ExitCode> {
  const { output } = run;
  noteIgnoredAccessToken(run.io.env, output);
  const known = await knownClients(options, run);
  if (output.json) {
    output.printJson(known);
    return EXIT.OK;
  }
  if (known.length === 0) {
    output.line(
      "No client known to this project: no POLAR_CLIENT_ID_<ENV> in the environment or in .env.<environment>.local. Register one with `polar-oauth bootstrap`.",
    );
  } else {
    output.line(
      renderTable(
        ["ENVIRONMENT", "CLIENT ID", "NAME", "AUTH METHOD", "REDIRECT URIS", "STATUS"],
        known.map((k) => [
          k.role === "previous" ? `${k.environment} (previous)` : k.environment,
          k.clientId,
          serverValue(k.client?.client_name ?? ""),
          serverValue(k.client?.token_endpoint_auth_method ?? ""),
          (k.client?.redirect_uris ?? []).map(serverValue).join("\n"),
          STATUS_TEXT[k.status],
        ]),
      ),
    );
    output.line(
      `${known.length} client${known.length === 1 ? "" : "s"} known to this project (from the environment and .env.<environment>.local files).`,
    );
  }
  output.line(DASHBOARD_NOTE);
  return EXIT.OK;
}

async function getCommand(
  clientId: string | undefined,
  options: ClientsOptions,
  run: RunContext,
): Promise<ExitCode> {
  const scope = await clientsScope(options, run);
  const id = defaultClientId(scope, clientId);
  const client = await readClient(
    run.output,
    id,
    scope.context(id),
    "check the client id, and that the token belongs to it.",
  );
  const view = clientView(client);
  if (run.output.json) run.output.printJson(view);
  else run.output.line(renderClient(view));
  return EXIT.OK;
}

async function updateCommand(
  clientId: string | undefined,
  options: ClientsUpdateOptions,
  run: RunContext,
): Promise<ExitCode> {
  const scope = await clientsScope(options, run);
  const { output } = run;
  const id = defaultClientId(scope, clientId);
  const context = scope.context(id);
  const current = await readClient(
    output,
    id,
    context,
    "check the client id, and that the token belongs to it.",
  );
  let uris = options.redirectUri?.length ? [...options.redirectUri] : [...current.redirect_uris];
  for (const uri of options.addRedirectUri ?? []) if (!uris.includes(uri)) uris.push(uri);
  for (const uri of options.removeRedirectUri ?? []) {
    if (!uris.includes(uri))
      throw usageError(`--remove-redirect-uri ${uri}: not registered for ${id}.`);
    uris = uris.filter((u) => u !== uri);
  }
  const pick = (flag: string | undefined, registered: string | null | undefined) =>
    flag ?? registered ?? undefined;
  const input: ClientMetadataInput = {
    client_name: options.name ?? current.client_name ?? id,
    redirect_uris: uris,
    client_uri: pick(options.clientUri, current.client_uri),
    logo_uri: pick(options.logoUri, current.logo_uri),
    tos_uri: pick(options.tosUri, current.tos_uri),
    policy_uri: pick(options.policyUri, current.policy_uri),
    token_endpoint_auth_method: (options.authMethod ??
      current.token_endpoint_auth_method) as ClientMetadataInput["token_endpoint_auth_method"],
    grant_types: current.grant_types as ClientMetadataInput["grant_types"],
    scope: pick(options.scope, current.scope),
  };
  const parsed = clientMetadataSchema.safeParse(input);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${sentence(issue.message)}`);
  for (const uri of uris) {
    const verdict = validateRedirectUri(uri, scope.environment);
    if (!verdict.ok && !problems.some((p) => p.includes(uri)))
      problems.push(`${verdict.problem} ${verdict.fix}`);
    withPolarNote(problems, uri, scope.environment);
  }
  if (problems.length > 0 || !parsed.success)
    throw usageError(problems.join("\n"), "DESIRED_CLIENT_INVALID");
  const diff = diffClient(parsed.data, current);
  if (diff.changes.length === 0) {
    output.ok(`Nothing to change: ${id} already has these values.`);
    if (output.json) output.printJson({ ok: true, action: "unchanged", clientId: id, changes: [] });
    return EXIT.OK;
  }
  output.line(`Changes to ${id}:`);
  for (const line of formatDiff(diff.changes, output.colors)) output.line(line);
  if (diff.needsNewClient) throw new CliError(`Cannot apply: ${diff.needsNewClient}`);
  if (options.dryRun) {
    output.line("Dry run: nothing was changed.");
    if (output.json)
      output.printJson({ ok: true, action: "dry_run", clientId: id, changes: diff.changes });
    return EXIT.OK;
  }
  const updated = await withProgress(output, `Updating client ${id}`, () =>
    updateClient(id, parsed.data, context),
  );
  output.ok(`Updated ${id}.`);
  if (output.json)
    output.printJson({
      ok: true,
      action: "updated",
      clientId: id,
      changes: diff.changes,
      client: clientView(updated),
    });
  return EXIT.OK;
}

async function deleteCommand(
  requested: string | undefined,
  options: ClientsDeleteOptions,
  run: RunContext,
): Promise<ExitCode> {
  const scope = await clientsScope(options, run);
  const clientId = defaultClientId(scope, requested);
  const { output, io } = run;
  const context = scope.context(clientId);
  const warning = `Deleting ${clientId}: Polar soft-deletes it. It can no longer sign users in, refresh tokens or be read; an app still configured with it stops working. Polar's docs say deletion revokes all tokens, but its code revokes none: access tokens it already issued stay valid until they expire (up to 10 days).`;
  if (!options.yes) {
    output.warn(warning);
    const answer = output.json ? undefined : await confirm(io, `Delete Polar client ${clientId}?`);
    if (answer !== true) {
      const reason =
        answer === false
          ? "Not deleted."
          : `Refusing to delete ${clientId} without confirmation: pass --yes.`;
      output.line(reason);
      if (output.json) output.printJson({ ok: false, action: "not_deleted", clientId });
      return EXIT.CONFIRMATION_NEEDED;
    }
  }
  try {
    await withProgress(output, `Deleting client ${clientId}`, () =>
      deleteClient(clientId, context),
    );
    output.ok(
      `Deleted Polar client ${clientId}. Sign-ins and refreshes with it stop now; access tokens it already issued stay valid until they expire (Polar does not revoke them, despite its docs).`,
    );
  } catch (error) {
    if (!(error instanceof PolarApiError && [401, 404].includes(error.status))) throw error;
    const previous =
      scope.layered.file[credentialVariableNames(scope.environment).previousClientId];
    if (previous?.trim() !== clientId) {
      throw new CliError(
        `Polar client ${clientId} cannot be deleted (${error.status}${error.error ? ` ${error.error}` : ""}): it is already gone, or the token used belongs to another client.`,
        EXIT.FAILURE,
        "CLIENT_GONE",
      );
    }
    output.ok(`Polar client ${clientId} was already deleted.`);
  }
  await forgetDeletedClient(scope, clientId, options, run);
  if (output.json) output.printJson({ ok: true, action: "deleted", clientId });
  return EXIT.OK;
}

/** After a rotation's old client is deleted, drops its `POLAR_PREVIOUS_…` lines from the env file. */
async function forgetDeletedClient(
  scope: ClientsScope,
  clientId: string,
  options: ClientsOptions,
  run: RunContext,
): Promise<void> {
  const names = credentialVariableNames(scope.environment);
  const file = options.envFile ?? defaultEnvFile(scope.environment);
  if (scope.layered.file[names.previousClientId]?.trim() === clientId) {
    await writeDotenvFile(
      resolve(run.io.cwd, file),
      [],
      [names.previousClientId, names.previousRegistrationToken],
      file,
    );
    run.output.line(
      `  Removed ${names.previousClientId} and ${names.previousRegistrationToken} from ${file}.`,
    );
  } else if (scope.layered.values[names.clientId]?.trim() === clientId) {
    run.output.warn(
      `${clientId} was ${scope.environment}'s configured client (${names.clientId}). Remove its variables and run \`polar-oauth bootstrap --env ${scope.environment}\` to register a new one.`,
    );
  }
}
