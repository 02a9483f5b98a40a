import {
  AUTH_METHODS,
  type Environment,
  explainRedirectUriMismatch,
  type PolarServer,
  type RegisteredClient,
  registerClient,
  SUB_TYPES,
  updateClient,
} from "@polar-oauth/core/setup";
import { type Command, Option } from "commander";
import { appSettingEntries, missingSettings } from "../app-settings.js";
import { confirm } from "../confirm.js";
import { startCredentialRun } from "../credential-run.js";
import {
  CREDENTIAL_FORMATS,
  type CredentialTarget,
  credentialEntries,
  describeTarget,
  redirectUriToWrite,
  storeCredentials,
} from "../credentials.js";
import {
  type DesiredClient,
  type DesiredClientFlags,
  loadDesiredClient,
} from "../desired-client.js";
import { assertWritable, writeDotenvFile } from "../dotenv-file.js";
import { diffClient, formatDiff } from "../drift.js";
import {
  type ExistingCredentials,
  findExistingCredentials,
  type LayeredEnv,
} from "../env-sources.js";
import { credentialVariableNames } from "../environment.js";
import { CliError, EXIT, type ExitCode, usageError } from "../exit-codes.js";
import { withProgress } from "../progress.js";
import { readClient } from "../read-client.js";
import {
  addCommonOptions,
  type CommonOptions,
  noteIgnoredAccessToken,
  type RunContext,
  registrationContext,
} from "../run-context.js";
import { describeServer } from "../server.js";

/** Flags of `polar-oauth bootstrap`. */
export interface BootstrapOptions extends CommonOptions, DesiredClientFlags {
  config?: string | undefined;
  out?: string | undefined;
  format?: string | undefined;
  printSecrets?: boolean | undefined;
  dryRun?: boolean | undefined;
  apply?: boolean | undefined;
  yes?: boolean | undefined;
  forceNew?: boolean | undefined;
  /** False with `--no-register`: reconcile an existing client only. */
  register?: boolean | undefined;
}

const EXAMPLES = `
Examples:
  # Development: register (first run) or reconcile; writes .env.development.local
  $ polar-oauth bootstrap --name "My App (dev)" --redirect-uri http://localhost:3000/auth/callback

  # Production, desired state from polar-oauth.json, credentials merged into .env.production
  $ polar-oauth bootstrap --env production --out .env.production --yes

  # Show what would change, change nothing
  $ polar-oauth bootstrap --env production --dry-run

  # Credentials on stdout for a secret store (stdout must not be a terminal)
  $ polar-oauth bootstrap --env production --format dotenv | fly secrets import
`;

/** Adds `polar-oauth bootstrap` to the program. */
export function bootstrapCommand(
  program: Command,
  run: RunContext,
  done: (code: ExitCode) => void,
): void {
  const command = program
    .command("bootstrap")
    .description(
      "Register the environment's Polar OAuth client (first run) or reconcile it with the desired state (later runs). Idempotent.",
    )
    .option("--name <name>", "client_name shown on Polar's consent screen")
    .option(
      "--redirect-uri <uri>",
      "redirect URI; repeat for several (the first is the app's default)",
      collect,
    )
    .option("--client-uri <url>", "your app's homepage")
    .option("--logo-uri <url>", "logo shown at consent")
    .option("--tos-uri <url>", "terms of service")
    .option("--policy-uri <url>", "privacy policy")
    .addOption(
      new Option(
        "--auth-method <method>",
        "token_endpoint_auth_method (default client_secret_post)",
      ).choices(AUTH_METHODS),
    )
    .addOption(
      new Option(
        "--sub-type <type>",
        "default_sub_type (Polar does not store it; see README)",
      ).choices(SUB_TYPES),
    )
    .option(
      "--scope <scopes>",
      'space-separated scopes the client may request (default: all), e.g. "openid profile email"',
    )
    .option("--config <file>", "desired-state file (default: polar-oauth.json when it exists)")
    .option(
      "--out <file>",
      "dotenv file the credentials are merged into (default: .env.<environment>.local)",
    )
    .addOption(
      new Option(
        "--format <format>",
        "print credentials on stdout instead (only when stdout is not a terminal)",
      ).choices(CREDENTIAL_FORMATS),
    )
    .option("--print-secrets", "allow --format to print to a terminal")
    .option("--dry-run", "print the plan; change nothing")
    .option("--apply", "apply drift to the registered client")
    .option("-y, --yes", "answer yes: apply drift without asking")
    .option(
      "--force-new",
      "register a new client even though one is configured (the old one is kept as POLAR_PREVIOUS_…)",
    )
    .option(
      "--no-register",
      "only reconcile an existing client; fail instead of registering (release commands)",
    );
  addCommonOptions(command)
    .addHelpText("after", EXAMPLES)
    .action(async (options: BootstrapOptions) => done(await bootstrap(options, run)));
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Desired state in, credentials out. First run: registers the client and writes its
 * credentials to the target before reporting success. Later runs: reads the client back with
 * its registration token and reconciles (up to date → 0; drift → diff, applied with `--apply`
 * or `--yes`, else 2). A client Polar no longer has is reported, never re-created silently.
 */
export async function bootstrap(options: BootstrapOptions, run: RunContext): Promise<ExitCode> {
  const { io } = run;
  const { environment, target, layered, server } = await startCredentialRun(options, run);
  noteIgnoredAccessToken(layered.values, run.output);
  const existing = findExistingCredentials(layered, environment, io.env);
  // Reconciling: the client is read once, for the desired state's kept fields and the diff.
  const reading =
    existing.clientId && !options.forceNew
      ? once(() => readRegistered(run, existing, layered, server))
      : undefined;
  const desired = await loadDesiredClient({
    environment,
    flags: options,
    cwd: io.cwd,
    configPath: options.config,
    registered: reading,
  });
  if (!desired) {
    throw usageError(
      `No client described for ${environment}: pass --name and --redirect-uri, or add a "${environment}" entry to polar-oauth.json.`,
    );
  }
  if (target.kind === "file" && !options.dryRun)
    await assertWritable(target.absolutePath, target.path);
  const state: BootstrapState = {
    run,
    options,
    environment,
    target,
    layered,
    server,
    desired,
    existing,
  };
  if (reading && existing.clientId) return reconcile(state, existing.clientId, await reading());
  return registerNew(state);
}

/** Calls `read` once; later calls share its promise. */
function once<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= read();
    return pending;
  };
}

/** Reads the configured client back with its registration token (refusing when there is none). */
async function readRegistered(
  run: RunContext,
  existing: ExistingCredentials,
  layered: LayeredEnv,
  server: PolarServer,
): Promise<RegisteredClient> {
  const clientId = existing.clientId!;
  const where = layered.describeSource(existing.clientIdVariable);
  if (!existing.registrationToken) {
    throw new CliError(
      `Found ${existing.clientIdVariable}=${clientId} (${where}) but no ${existing.registrationTokenVariable}, so the client cannot be read back (Polar accepts only its registration token here), and registering another would duplicate it. Fix: set ${existing.registrationTokenVariable} to this client's registration token, or pass --force-new to register a new client.`,
      EXIT.FAILURE,
      "REGISTRATION_TOKEN_MISSING",
    );
  }
  return readClient(
    run.output,
    clientId,
    registrationContext(server, layered.values, existing.registrationToken),
    `remove ${existing.clientIdVariable} and ${existing.registrationTokenVariable} from ${where} and run bootstrap again to register a new client (or pass --force-new).`,
  );
}

interface BootstrapState {
  run: RunContext;
  options: BootstrapOptions;
  environment: Environment;
  target: CredentialTarget;
  layered: LayeredEnv;
  server: PolarServer;
  desired: DesiredClient;
  existing: ExistingCredentials;
}

async function reconcile(
  state: BootstrapState,
  clientId: string,
  registered: RegisteredClient,
): Promise<ExitCode> {
  const { run, options, environment, layered, server, desired, existing } = state;
  const { output, io } = run;
  const c = output.colors;
  const context = registrationContext(server, layered.values, existing.registrationToken);
  const diff = diffClient(desired.metadata, registered);
  const report = {
    environment,
    server: server.url,
    clientId,
    changes: diff.changes,
    notes: diff.notes,
  };
  for (const note of diff.notes) output.line(`${c.dim("note:")} ${note}`);

  if (diff.changes.length === 0) {
    output.ok(`Polar client ${clientId} (${environment}) is up to date with ${desired.source}.`);
    await completeSettings(state);
    warnIfAppUriUnregistered(state, registered);
    if (output.json) output.printJson({ ok: true, action: "up_to_date", ...report });
    return EXIT.OK;
  }

  output.line(`Drift between ${desired.source} and Polar client ${clientId} (${environment}):`);
  for (const line of formatDiff(diff.changes, c)) output.line(line);
  if (diff.needsNewClient) {
    throw new CliError(`Cannot apply: ${diff.needsNewClient}`, EXIT.FAILURE, "NEEDS_NEW_CLIENT");
  }
  if (options.dryRun) {
    output.line(`Dry run: would update ${clientId} with the changes above. Nothing was changed.`);
    if (output.json) output.printJson({ ok: true, action: "dry_run", plan: "update", ...report });
    return EXIT.OK;
  }
  let apply = Boolean(options.apply || options.yes);
  if (!apply && !output.json) {
    const answer = await confirm(io, `Apply these changes to ${clientId}?`);
    apply = answer === true;
  }
  if (!apply) {
    output.line(
      `Drift found, not applied. Re-run with --apply (or --yes) to update ${clientId}; --dry-run shows the plan.`,
    );
    if (output.json) output.printJson({ ok: false, action: "drift", applied: false, ...report });
    return EXIT.CONFIRMATION_NEEDED;
  }
  const updated = await withProgress(output, `Updating client ${clientId}`, () =>
    updateClient(clientId, desired.metadata, context),
  );
  output.ok(
    `Updated Polar client ${clientId} (${environment}): ${diff.changes.map((x) => x.field).join(", ")}.`,
  );
  await completeSettings(state);
  warnIfAppUriUnregistered(state, updated);
  if (output.json) output.printJson({ ok: true, action: "updated", ...report });
  return EXIT.OK;
}

async function registerNew(state: BootstrapState): Promise<ExitCode> {
  const { run, options, environment, target, layered, server, desired, existing } = state;
  const { output, redactor } = run;
  const c = output.colors;
  const names = credentialVariableNames(environment);
  const previous = options.forceNew ? await stillRegistered(state) : undefined;
  if (previous && layered.values[names.previousClientId]) {
    throw new CliError(
      `${names.previousClientId}=${layered.values[names.previousClientId]} from an earlier rotation is still recorded. Fix: delete it first (polar-oauth clients delete ${layered.values[names.previousClientId]} --env ${environment} --yes).`,
    );
  }
  const summary = `${desired.metadata.token_endpoint_auth_method} client "${desired.metadata.client_name}" (${desired.metadata.redirect_uris.join(", ")}) at ${describeServer(server)}`;
  if (options.dryRun) {
    output.line(
      `Dry run: would register a ${summary}, and write its credentials to ${describeTarget(target)}. Nothing was changed.`,
    );
    if (output.json)
      output.printJson({
        ok: true,
        action: "dry_run",
        plan: "register",
        environment,
        server: server.url,
      });
    return EXIT.OK;
  }
  if (options.register === false) {
    throw new CliError(
      `No ${existing.clientIdVariable} for ${environment} in the environment${target.kind === "file" ? ` or ${target.path}` : ""}, and --no-register forbids registering one. Fix: set ${existing.clientIdVariable} and ${existing.registrationTokenVariable}, or run bootstrap once without --no-register.`,
      EXIT.FAILURE,
      "NO_CLIENT",
    );
  }
  const client = await withProgress(output, `Registering client at ${server.url}`, () =>
    registerClient(desired.metadata, registrationContext(server, layered.values)),
  );
  redactor.add(client.client_secret?.reveal());
  redactor.add(client.registration_access_token?.reveal());
  const redirectUri = existing.redirectUri
    ? { write: undefined }
    : redirectUriToWrite(desired.metadata.redirect_uris[0], client);
  const entries = credentialEntries(client, environment, {
    redirectUri: "write" in redirectUri ? redirectUri.write : undefined,
    previous,
  });
  const settings = appSettingEntries({ environment, server, layered, target });
  redactor.add(settings.find(([name]) => name === "SESSION_SECRET")?.[1]);
  // Crash safety: the credentials are stored before anything reports success.
  await storeCredentials(target, entries, output, [], settings);
  if ("refused" in redirectUri) {
    throw new CliError(redirectUri.refused, EXIT.FAILURE, "SERVER_ANSWER_UNTRUSTED");
  }

  const variables = [...entries, ...settings].map(([name]) => name);
  output.ok(`Registered Polar client ${client.client_id} (${environment}) — ${summary}.`);
  output.line(`  Credentials written to ${describeTarget(target)}: ${variables.join(", ")}.`);
  if (target.kind === "file" && target.defaulted) {
    output.line(
      c.dim(
        `  (${target.path} is the default target; choose another with --out FILE or --format.)`,
      ),
    );
  }
  noteSettings(state, settings);
  if (!client.registration_access_token) {
    output.warn(
      "Polar returned no registration access token: later runs cannot read this client back, and only Polar's dashboard can change it.",
    );
  }
  for (const note of diffClient(desired.metadata, client).notes)
    output.line(`${c.dim("note:")} ${note}`);
  if (previous) {
    output.line(
      `  The previous client ${previous.clientId} still works. After deploying the new credentials, delete it: polar-oauth clients delete ${previous.clientId} --env ${environment} --yes`,
    );
  }
  if (output.json) {
    output.printJson({
      ok: true,
      action: "registered",
      environment,
      server: server.url,
      clientId: client.client_id,
      target: target.kind === "file" ? target.path : "stdout",
      variables,
      previousClientId: previous?.clientId,
    });
  }
  return EXIT.OK;
}

/**
 * With `--force-new`: the configured client, if Polar still has it (it is then kept as
 * `POLAR_PREVIOUS_…` so it can be deleted after the deploy); undefined when there is none or
 * it is already gone.
 */
async function stillRegistered(
  state: BootstrapState,
): Promise<{ clientId: string; registrationToken: string | undefined } | undefined> {
  const { existing, layered, server, run } = state;
  if (!existing.clientId) return undefined;
  if (!existing.registrationToken) {
    return { clientId: existing.clientId, registrationToken: undefined };
  }
  try {
    await readClient(
      run.output,
      existing.clientId,
      registrationContext(server, layered.values, existing.registrationToken),
      "",
    );
  } catch (error) {
    if (error instanceof CliError && error.code === "CLIENT_GONE") return undefined;
    throw error;
  }
  return { clientId: existing.clientId, registrationToken: existing.registrationToken };
}

/**
 * On a later run (the client exists): adds to the credential file the app settings it lacks
 * (an older bootstrap wrote none), so the app runs on the file alone. Not with --dry-run,
 * nor for --format (stdout then carries no credentials).
 */
async function completeSettings(state: BootstrapState): Promise<void> {
  const { run, options, environment, target, layered, server } = state;
  if (target.kind !== "file" || options.dryRun) return;
  const settings = missingSettings(
    appSettingEntries({ environment, server, layered, target }),
    layered,
  );
  if (settings.length === 0) return;
  run.redactor.add(settings.find(([name]) => name === "SESSION_SECRET")?.[1]);
  await writeDotenvFile(target.absolutePath, settings, [], target.path);
  run.output.line(
    `  Wrote ${settings.map(([name]) => name).join(", ")} to ${describeTarget(target)}.`,
  );
  noteSettings(state, settings);
}

/** Says why POLAR_SERVER and SESSION_SECRET were written (never their values' secrets). */
function noteSettings(state: BootstrapState, settings: ReadonlyArray<readonly [string, string]>) {
  const { run, target, server } = state;
  const c = run.output.colors;
  const names = new Set(settings.map(([name]) => name));
  if (names.has("POLAR_SERVER")) {
    run.output.line(
      c.dim(
        `  POLAR_SERVER: the app signs in at ${describeServer(server)}, where this client lives.`,
      ),
    );
  }
  if (names.has("SESSION_SECRET")) {
    run.output.line(
      c.dim(
        "  SESSION_SECRET: generated for this environment (none was set); keep it, or every session ends.",
      ),
    );
  }
  if (target.kind === "file" && names.size > 0) {
    // The app's ENVIRONMENT defaults to development; another environment must name itself.
    const env = state.environment === "development" ? "" : `ENVIRONMENT=${state.environment} `;
    run.output.line(
      c.dim(`  The app runs on it alone: ${env}node --env-file=${target.path} app.js`),
    );
  }
}

/** Warns when the app's configured redirect URI is not registered (the startup check would fail). */
function warnIfAppUriUnregistered(state: BootstrapState, client: RegisteredClient): void {
  const uri = state.existing.redirectUri;
  if (!uri) return;
  const mismatch = explainRedirectUriMismatch(uri, client.redirect_uris);
  if (mismatch) {
    state.run.output.warn(
      `${state.existing.redirectUriVariable}=${uri} is not registered (${mismatch.summary}) The app's startup check will fail until they agree.`,
    );
  }
}
