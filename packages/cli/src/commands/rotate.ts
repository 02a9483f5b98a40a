import {
  type ClientMetadataInput,
  type RegisteredClient,
  registerClient,
} from "@polar-oauth/core/setup";
import { type Command, Option } from "commander";
import { startCredentialRun } from "../credential-run.js";
import {
  CREDENTIAL_FORMATS,
  credentialEntries,
  describeTarget,
  redirectUriToWrite,
  storeCredentials,
} from "../credentials.js";
import { assertWritable } from "../dotenv-file.js";
import { findExistingCredentials } from "../env-sources.js";
import { credentialVariableNames } from "../environment.js";
import { CliError, EXIT, type ExitCode } from "../exit-codes.js";
import { withProgress } from "../progress.js";
import { readClient } from "../read-client.js";
import {
  addCommonOptions,
  type CommonOptions,
  noteIgnoredAccessToken,
  type RunContext,
  registrationContext,
} from "../run-context.js";

/** Flags of `polar-oauth rotate`. */
export interface RotateOptions extends CommonOptions {
  out?: string | undefined;
  format?: string | undefined;
  printSecrets?: boolean | undefined;
  dryRun?: boolean | undefined;
}

const EXAMPLES = `
Polar has no secret-rotation endpoint: rotating registers a replacement client with the same
configuration. The old client keeps working until you delete it after the deploy.

Examples:
  $ polar-oauth rotate --env production --out .env.production
  # deploy the new credentials, then:
  $ polar-oauth clients delete polar_ci_OLD… --env production --env-file .env.production --yes
`;

/** Adds `polar-oauth rotate` to the program. */
export function rotateCommand(
  program: Command,
  run: RunContext,
  done: (code: ExitCode) => void,
): void {
  const command = program
    .command("rotate")
    .description(
      "Register a replacement client with the same configuration and write its credentials (the old one stays until you delete it).",
    )
    .option(
      "--out <file>",
      "dotenv file holding the current credentials; the new ones are merged in (default: .env.<environment>.local)",
    )
    .addOption(
      new Option(
        "--format <format>",
        "print the new credentials on stdout instead (only when stdout is not a terminal)",
      ).choices(CREDENTIAL_FORMATS),
    )
    .option("--print-secrets", "allow --format to print to a terminal")
    .option("--dry-run", "print the plan; change nothing");
  addCommonOptions(command)
    .addHelpText("after", EXAMPLES)
    .action(async (options: RotateOptions) => done(await rotate(options, run)));
}

/**
 * Registers a replacement for the environment's client with the configuration read back from
 * Polar, writes the new credentials (the old id and registration token move to
 * `POLAR_PREVIOUS_CLIENT_ID_<ENV>` / `POLAR_PREVIOUS_REGISTRATION_TOKEN_<ENV>`), and prints the
 * command that deletes the old client after the deploy.
 */
export async function rotate(options: RotateOptions, run: RunContext): Promise<ExitCode> {
  const { io, output, redactor } = run;
  const { environment, target, layered, server } = await startCredentialRun(options, run);
  const existing = findExistingCredentials(layered, environment, io.env);
  const names = credentialVariableNames(environment);
  noteIgnoredAccessToken(layered.values, output);
  if (!existing.clientId) {
    throw new CliError(
      `Nothing to rotate: no ${existing.clientIdVariable} in the environment${target.kind === "file" ? ` or ${target.path}` : ""}. Fix: run \`polar-oauth bootstrap --env ${environment}\` first.`,
    );
  }
  if (!existing.registrationToken) {
    throw new CliError(
      `Rotating ${existing.clientId} needs its registration token to read its configuration: set ${existing.registrationTokenVariable}.`,
    );
  }
  const pending = layered.values[names.previousClientId];
  if (pending) {
    throw new CliError(
      `A previous client ${pending} (${names.previousClientId}) from an earlier rotation is still recorded. Fix: delete it first (polar-oauth clients delete ${pending} --env ${environment} --yes), then rotate again.`,
    );
  }
  if (target.kind === "file" && !options.dryRun)
    await assertWritable(target.absolutePath, target.path);
  const old = await readClient(
    output,
    existing.clientId,
    registrationContext(server, layered.values, existing.registrationToken),
    `run \`polar-oauth bootstrap --env ${environment}\` to set up a client.`,
  );
  const metadata = sameConfiguration(old);
  if (options.dryRun) {
    output.line(
      `Dry run: would register a replacement for ${old.client_id} ("${metadata.client_name}") and write its credentials to ${describeTarget(target)}. Nothing was changed.`,
    );
    if (output.json)
      output.printJson({
        ok: true,
        action: "dry_run",
        plan: "rotate",
        environment,
        clientId: old.client_id,
      });
    return EXIT.OK;
  }
  const replacement = await withProgress(output, `Registering replacement at ${server.url}`, () =>
    registerClient(metadata, registrationContext(server, layered.values)),
  );
  redactor.add(replacement.client_secret?.reveal());
  redactor.add(replacement.registration_access_token?.reveal());
  const redirectUri = existing.redirectUri
    ? { write: undefined }
    : redirectUriToWrite(metadata.redirect_uris[0], replacement);
  const entries = credentialEntries(replacement, environment, {
    redirectUri: "write" in redirectUri ? redirectUri.write : undefined,
    previous: { clientId: old.client_id, registrationToken: existing.registrationToken },
  });
  await storeCredentials(target, entries, output);
  if ("refused" in redirectUri) {
    throw new CliError(redirectUri.refused, EXIT.FAILURE, "SERVER_ANSWER_UNTRUSTED");
  }

  const variables = entries.map(([name]) => name);
  output.ok(
    `Registered ${replacement.client_id} to replace ${old.client_id} (${environment}), same configuration.`,
  );
  output.line(`  Credentials written to ${describeTarget(target)}: ${variables.join(", ")}.`);
  output.line(
    "  Both clients work now. Deploy the new credentials, then delete the old client (sign-ins and refreshes with it stop; access tokens it issued stay valid until they expire):",
  );
  const envFile = target.kind === "file" && !target.defaulted ? ` --env-file ${target.path}` : "";
  output.line(
    `    polar-oauth clients delete ${old.client_id} --env ${environment}${envFile} --yes`,
  );
  if (output.json) {
    output.printJson({
      ok: true,
      action: "rotated",
      environment,
      clientId: replacement.client_id,
      previousClientId: old.client_id,
      target: target.kind === "file" ? target.path : "stdout",
      variables,
    });
  }
  return EXIT.OK;
}

/** The registrable configuration of a client as Polar returned it. */
function sameConfiguration(client: RegisteredClient): ClientMetadataInput {
  const optional = (value: string | null | undefined) => value ?? undefined;
  return {
    client_name: client.client_name ?? client.client_id,
    redirect_uris: [...client.redirect_uris],
    client_uri: optional(client.client_uri),
    logo_uri: optional(client.logo_uri),
    tos_uri: optional(client.tos_uri),
    policy_uri: optional(client.policy_uri),
    token_endpoint_auth_method:
      client.token_endpoint_auth_method as ClientMetadataInput["token_endpoint_auth_method"],
    grant_types: client.grant_types as ClientMetadataInput["grant_types"],
    scope: optional(client.scope),
  };
}
