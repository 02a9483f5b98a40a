import { resolve } from "node:path";
import {
  AUTH_METHODS,
  type ClientMetadataInput,
  clientMetadataSchema,
  deleteClient,
  type Environment,
  listClients,
  PolarApiError,
  type RegisteredClient,
  type RegistrationContext,
  updateClient,
  validateRedirectUri,
} from "@polar-oauth/core/setup";
import { type Command, Option } from "commander";
import { clientView, issuedDate, renderClient } from "../client-view.js";
import { confirm } from "../confirm.js";
import { sentence } from "../desired-client.js";
import { writeDotenvFile } from "../dotenv-file.js";
import { diffClient, formatDiff } from "../drift.js";
import { type LayeredEnv, layerEnv } from "../env-sources.js";
import { credentialVariableNames, defaultEnvFile, resolveEnvironment } from "../environment.js";
import { CliError, EXIT, type ExitCode, usageError } from "../exit-codes.js";
import { withProgress } from "../progress.js";
import { readClient } from "../read-client.js";
import {
  accessTokenOf,
  addCommonOptions,
  addEnvFileOption,
  type CommonOptions,
  type RunContext,
  registrationContext,
} from "../run-context.js";
import { resolveServer } from "../server.js";
import { renderTable } from "../table.js";

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
    .description("List, show, update and delete your Polar OAuth clients.")
    .addHelpText(
      "after",
      `
Credentials: a client's own registration token (POLAR_REGISTRATION_TOKEN_<ENV>, or
POLAR_PREVIOUS_REGISTRATION_TOKEN_<ENV> after a rotation) or POLAR_ACCESS_TOKEN, a Personal
Access Token of the client's owner. Listing always needs POLAR_ACCESS_TOKEN.

Examples:
  $ POLAR_ACCESS_TOKEN=polar_pat_… polar-oauth clients list
  $ polar-oauth clients get --env production --env-file .env.production
  $ polar-oauth clients update --add-redirect-uri https://staging.example.com/auth/callback
  $ polar-oauth clients delete polar_ci_… --yes`,
    );

  const common = (command: Command) => addEnvFileOption(addCommonOptions(command));

  common(
    clients
      .command("list")
      .description("List the clients of POLAR_ACCESS_TOKEN's owner, newest first."),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  $ POLAR_ACCESS_TOKEN=polar_pat_… polar-oauth clients list --server sandbox\n  $ polar-oauth clients list --json | jq '.[].client_id'",
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
      .argument("<client_id>", "client to delete")
      .description("Delete a client. Revokes every access and refresh token issued to it.")
      .option("-y, --yes", "do not ask for confirmation"),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  $ polar-oauth clients delete polar_ci_…          # asks first\n  $ polar-oauth clients delete polar_ci_… --yes    # in scripts (required when not a terminal)",
    )
    .action(async (clientId: string, options: ClientsDeleteOptions) =>
      done(await deleteCommand(clientId, options, run)),
    );
}

/** What the `clients` subcommands share: environment, merged variables, server. */
interface ClientsScope {
  environment: Environment;
  layered: LayeredEnv;
  accessToken: string | undefined;
  context: (clientId?: string) => RegistrationContext;
}

async function clientsScope(options: ClientsOptions, run: RunContext): Promise<ClientsScope> {
  const environment = resolveEnvironment(options.env, run.io.env);
  const layered = await layerEnv(
    run.io.env,
    options.envFile ?? defaultEnvFile(environment),
    run.io.cwd,
  );
  run.redactor.addEnvironment(layered.values);
  const server = resolveServer(options.server, layered.values, environment);
  const accessToken = accessTokenOf(layered.values);
  const names = credentialVariableNames(environment);
  return {
    environment,
    layered,
    accessToken,
    context: (clientId) => {
      // The client's own registration token when we hold it; else the owner's PAT.
      let registrationAccessToken: string | undefined;
      const current =
        layered.values.POLAR_CLIENT_ID?.trim() || layered.values[names.clientId]?.trim();
      if (clientId && clientId === current) {
        registrationAccessToken =
          layered.values.POLAR_REGISTRATION_TOKEN?.trim() ||
          layered.values[names.registrationToken]?.trim();
      } else if (clientId && clientId === layered.values[names.previousClientId]?.trim()) {
        registrationAccessToken = layered.values[names.previousRegistrationToken]?.trim();
      }
      if (clientId && !registrationAccessToken && !accessToken) {
        throw new CliError(
          `Managing ${clientId} needs its registration token or the owner's Personal Access Token. Fix: set ${names.registrationToken} (written by bootstrap), pass --env-file with it, or set POLAR_ACCESS_TOKEN.`,
          EXIT.FAILURE,
          "POLAR_CREDENTIAL_MISSING",
        );
      }
      return registrationContext(server, layered.values, { registrationAccessToken, accessToken });
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

async function listCommand(options: ClientsOptions, run: RunContext): Promise<ExitCode> {
  const scope = await clientsScope(options, run);
  const { output } = run;
  if (!scope.accessToken) {
    throw new CliError(
      "Listing clients needs a Personal Access Token. Fix: set POLAR_ACCESS_TOKEN (Polar dashboard → Settings → Developers).",
      EXIT.FAILURE,
      "POLAR_CREDENTIAL_MISSING",
    );
  }
  const items: RegisteredClient[] = [];
  for (let page = 1; ; page++) {
    const list = await withProgress(output, "Listing clients", () =>
      listClients({ ...scope.context(), page, limit: 100 }),
    );
    items.push(...list.items);
    if (page >= list.pagination.max_page || list.items.length === 0) break;
  }
  const views = items.map(clientView);
  if (output.json) {
    output.printJson(views);
    return EXIT.OK;
  }
  if (views.length === 0) {
    output.line("No clients.");
    return EXIT.OK;
  }
  const current = scope.layered.values[credentialVariableNames(scope.environment).clientId];
  output.line(
    renderTable(
      ["CLIENT ID", "NAME", "AUTH METHOD", "REDIRECT URIS", "ISSUED"],
      views.map((v) => [
        v.client_id === current ? `${v.client_id} *` : v.client_id,
        v.client_name ?? "",
        v.token_endpoint_auth_method,
        v.redirect_uris.join("\n"),
        issuedDate(v.client_id_issued_at),
      ]),
    ),
  );
  output.line(
    `${views.length} client${views.length === 1 ? "" : "s"}${current && views.some((v) => v.client_id === current) ? `; * = ${scope.environment}'s client` : ""}.`,
  );
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
  clientId: string,
  options: ClientsDeleteOptions,
  run: RunContext,
): Promise<ExitCode> {
  const scope = await clientsScope(options, run);
  const { output, io } = run;
  const context = scope.context(clientId);
  const warning = `Deleting ${clientId} revokes every access and refresh token issued to it; its users must sign in again, and an app still configured with it stops working.`;
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
    output.ok(`Deleted Polar client ${clientId}. Tokens issued to it are revoked.`);
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
