import {
  describeUnknownScope,
  type Environment,
  getServerMetadata,
  isPolarScope,
  MIN_SESSION_SECRET_LENGTH,
  type PolarConfig,
  PolarConfigError,
  type PolarServer,
  parseScopes,
  validateRedirectUri,
  verifyRegistration,
} from "@polar-oauth/core/setup";
import type { Command } from "commander";
import { loadAppConfig } from "../app-config.js";
import { describeError } from "../describe-error.js";
import { type LayeredEnv, layerEnv } from "../env-sources.js";
import { credentialVariableNames, defaultEnvFile, resolveEnvironment } from "../environment.js";
import { CliError, EXIT, type ExitCode } from "../exit-codes.js";
import { withProgress } from "../progress.js";
import {
  addCommonOptions,
  addEnvFileOption,
  type CommonOptions,
  type RunContext,
} from "../run-context.js";
import { resolveServer } from "../server.js";
import { describeWeakSecret } from "../weak-secret.js";

/** Flags of `polar-oauth doctor`. */
export interface DoctorOptions extends CommonOptions {
  envFile?: string | undefined;
}

/** One line of the doctor's report. `ok: null` = skipped (a prerequisite failed) or informational. */
export interface DoctorCheck {
  name: string;
  /** true passed, false failed (exit 1), null neither (skipped, or a warning). */
  ok: boolean | null;
  detail: string;
  fix?: string | undefined;
  /** A warning: shown with its fix, but it does not fail the run (`ok` is null). */
  warning?: true | undefined;
}

/** Clock difference (seconds) beyond which tokens' `iat`/`exp` checks start to misfire. */
export const MAX_CLOCK_SKEW_SECONDS = 60;

/** Polar's token strings: prefix + 37 alphanumerics + 6-character checksum. */
const POLAR_TOKEN_BODY_LENGTH = 43;

const EXAMPLES = `
Examples:
  $ polar-oauth doctor
  $ polar-oauth doctor --env production --env-file .env.production
  $ polar-oauth doctor --json | jq '.checks[] | select(.ok == false)'
`;

/** Adds `polar-oauth doctor`. */
export function doctorCommand(
  program: Command,
  run: RunContext,
  done: (code: ExitCode) => void,
): void {
  const command = program
    .command("doctor")
    .description(
      "Diagnose an environment: variables, secret lengths, redirect-URI rules, server reachability, clock skew, scopes, startup check.",
    );
  addEnvFileOption(addCommonOptions(command))
    .addHelpText("after", EXAMPLES)
    .action(async (options: DoctorOptions) => done(await doctor(options, run)));
}

/**
 * Runs every check for the chosen environment and prints one ✓/✗ line each, with the fix.
 * Variable values are never shown: names, sources and lengths only. Exit 1 if any check fails.
 */
export async function doctor(options: DoctorOptions, run: RunContext): Promise<ExitCode> {
  const { io, output, redactor } = run;
  const environment = resolveEnvironment(options.env, io.env);
  const layered = await layerEnv(io.env, options.envFile ?? defaultEnvFile(environment), io.cwd);
  redactor.addEnvironment(layered.values);
  const checks: DoctorCheck[] = [];
  const add = (check: DoctorCheck) => {
    checks.push(check);
    const c = output.colors;
    const mark =
      check.ok === true
        ? c.green("✓")
        : check.ok === false
          ? c.red("✗")
          : check.warning
            ? c.yellow("!")
            : c.dim("–");
    const fix =
      (check.ok === false || check.warning) && check.fix ? ` ${c.dim("Fix:")} ${check.fix}` : "";
    output.line(`${mark} ${check.name}: ${check.detail}${fix}`);
  };
  output.line(
    `polar-oauth doctor — ENVIRONMENT=${environment}${layered.fileExists ? `, reading ${layered.filePath} under the process environment` : ""}`,
  );

  variableChecks(layered, environment).forEach(add);
  secretChecks(layered, environment).forEach(add);
  redirectUriChecks(layered, environment).forEach(add);
  scopeChecks(layered).forEach(add);

  let config: PolarConfig | undefined;
  try {
    config = loadAppConfig(layered, environment, options.server, true);
    add({ name: "configuration", ok: true, detail: "loadPolarConfig accepts it." });
  } catch (error) {
    if (!(error instanceof PolarConfigError)) throw error;
    add({
      name: "configuration",
      ok: false,
      detail: `loadPolarConfig reports ${error.issues.length} problem${error.issues.length === 1 ? "" : "s"}: ${error.issues.map((i) => i.variable).join(", ")}.`,
      fix: error.issues[0]?.fix,
    });
  }

  let server: PolarServer | undefined;
  try {
    server = config?.server ?? resolveServer(options.server, layered.values, environment);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    add({
      name: "server reachable",
      ok: false,
      detail: error.message,
      fix: error.message.includes("Fix:")
        ? undefined
        : "Set POLAR_SERVER to production, sandbox or an https URL.",
    });
  }
  let reachable = false;
  if (server) {
    const probe = await withProgress(output, `Contacting ${server.url}`, () => probeServer(server));
    reachable = probe.reachable.ok === true;
    add(probe.reachable);
    if (probe.clock) add(probe.clock);
  }

  // The startup check does not need SESSION_SECRET: run it whenever the client settings load.
  const checkConfig = config ?? tryLoad(() => loadAppConfig(layered, environment, options.server));
  if (checkConfig && reachable) {
    try {
      const result = await withProgress(output, "Running the startup check", () =>
        verifyRegistration(checkConfig),
      );
      add({
        name: "startup check",
        ok: true,
        detail: `${checkConfig.redirectUri} is registered for ${checkConfig.clientId} (${result.method === "registration" ? "read back with the registration token" : "authorize-endpoint probe"}).`,
      });
    } catch (error) {
      add({ name: "startup check", ok: false, detail: describeError(error).message });
    }
  } else {
    add({
      name: "startup check",
      ok: null,
      detail: "skipped (configuration invalid or server unreachable).",
    });
  }

  const failed = checks.filter((check) => check.ok === false).length;
  const warnings = checks.filter((check) => check.warning).length;
  const warned = warnings === 0 ? "" : ` (${warnings} warning${warnings === 1 ? "" : "s"})`;
  output.line(
    failed === 0
      ? `All checks passed${warned}.`
      : `${failed} check${failed === 1 ? "" : "s"} failed${warned}.`,
  );
  if (output.json) output.printJson({ ok: failed === 0, environment, checks });
  return failed === 0 ? EXIT.OK : EXIT.FAILURE;
}

function tryLoad(load: () => PolarConfig): PolarConfig | undefined {
  try {
    return load();
  } catch {
    return undefined;
  }
}

function perEnv(
  layered: LayeredEnv,
  base: string,
  suffixed: string,
): { name: string; value: string | undefined } {
  const override = layered.values[base]?.trim();
  if (override) return { name: base, value: override };
  return { name: suffixed, value: layered.values[suffixed]?.trim() || undefined };
}

function authMethodOf(layered: LayeredEnv, environment: Environment): string {
  const names = credentialVariableNames(environment);
  const configured = layered.values.POLAR_AUTH_METHOD?.trim();
  if (configured) return configured;
  return perEnv(layered, "POLAR_CLIENT_SECRET", names.clientSecret).value
    ? "client_secret_post"
    : "none";
}

/** Required variables present (names and where they come from, never values). */
export function variableChecks(layered: LayeredEnv, environment: Environment): DoctorCheck[] {
  const names = credentialVariableNames(environment);
  const where = (name: string) =>
    layered.sourceOf(name) === "file" ? layered.filePath : "environment";
  const required: Array<[string, string, string]> = [
    [
      "POLAR_CLIENT_ID",
      names.clientId,
      `Run \`polar-oauth bootstrap --env ${environment}\`, which writes it.`,
    ],
    [
      "POLAR_REDIRECT_URI",
      names.redirectUri,
      `Set ${names.redirectUri} to the exact callback URL, e.g. http://localhost:3000/auth/callback.`,
    ],
  ];
  if (authMethodOf(layered, environment) !== "none") {
    required.push([
      "POLAR_CLIENT_SECRET",
      names.clientSecret,
      `Set ${names.clientSecret} (bootstrap writes it), or POLAR_AUTH_METHOD=none for a public client.`,
    ]);
  }
  const checks: DoctorCheck[] = required.map(([base, suffixed, fix]) => {
    const found = perEnv(layered, base, suffixed);
    return found.value
      ? { name: found.name, ok: true, detail: `set (${where(found.name)}).` }
      : { name: suffixed, ok: false, detail: "missing.", fix };
  });
  checks.push(
    layered.values.SESSION_SECRET?.trim()
      ? { name: "SESSION_SECRET", ok: true, detail: `set (${where("SESSION_SECRET")}).` }
      : {
          name: "SESSION_SECRET",
          ok: false,
          detail: "missing.",
          fix: `Set SESSION_SECRET to at least ${MIN_SESSION_SECRET_LENGTH} random characters (openssl rand -base64 32).`,
        },
  );
  const token = perEnv(layered, "POLAR_REGISTRATION_TOKEN", names.registrationToken);
  checks.push(
    token.value
      ? {
          name: token.name,
          ok: true,
          detail: `set (${where(token.name)}); the startup check reads the registration back.`,
        }
      : {
          name: names.registrationToken,
          ok: null,
          detail: "not set (optional): the startup check can only probe the authorize endpoint.",
        },
  );
  return checks;
}

/** Secret lengths and shapes (lengths only; a Polar token is its prefix + 43 characters). */
export function secretChecks(layered: LayeredEnv, environment: Environment): DoctorCheck[] {
  const names = credentialVariableNames(environment);
  const checks: DoctorCheck[] = [];
  const session = layered.values.SESSION_SECRET?.trim();
  if (session) {
    const parts = session.split(",").map((s) => s.trim());
    const short = parts.filter((s) => s.length < MIN_SESSION_SECRET_LENGTH);
    checks.push(
      short.length === 0
        ? {
            name: "SESSION_SECRET length",
            ok: true,
            detail: `${parts.map((p) => p.length).join(", ")} characters (minimum ${MIN_SESSION_SECRET_LENGTH}).`,
          }
        : {
            name: "SESSION_SECRET length",
            ok: false,
            detail: `${short.length} of ${parts.length} secret${parts.length === 1 ? "" : "s"} shorter than ${MIN_SESSION_SECRET_LENGTH} characters (${parts.map((p) => p.length).join(", ")}).`,
            fix: "Use at least 32 random characters: openssl rand -base64 32.",
          },
    );
    parts.forEach((part, i) => {
      const weakness =
        part.length >= MIN_SESSION_SECRET_LENGTH ? describeWeakSecret(part) : undefined;
      if (!weakness) return;
      const which = parts.length > 1 ? ` (secret #${i + 1})` : "";
      checks.push({
        name: "SESSION_SECRET strength",
        ok: null,
        warning: true,
        detail: `looks weak${which}: ${weakness}. Anyone holding one session cookie can test guesses offline (iron derives its keys with a single PBKDF2 iteration).`,
        fix: "Replace it with random bytes: openssl rand -base64 32 (put the new secret first and keep the old one after a comma until old sessions expire).",
      });
    });
  }
  const shaped: Array<[string, string, string]> = [
    ["POLAR_CLIENT_SECRET", names.clientSecret, "polar_cs_"],
    ["POLAR_REGISTRATION_TOKEN", names.registrationToken, "polar_crt_"],
  ];
  for (const [base, suffixed, prefix] of shaped) {
    const found = perEnv(layered, base, suffixed);
    if (!found.value) continue;
    const raw = layered.values[found.name] ?? "";
    const expected = prefix.length + POLAR_TOKEN_BODY_LENGTH;
    let problem: string | undefined;
    if (raw !== raw.trim() || /\s|["']/.test(found.value))
      problem = "contains spaces or quotes (a copy-paste accident?)";
    else if (found.value.startsWith(prefix) && found.value.length !== expected) {
      problem = `has ${found.value.length} characters; a Polar ${prefix}… value has ${expected} (truncated?)`;
    } else if (found.value.length < 16) problem = `has only ${found.value.length} characters`;
    checks.push(
      problem
        ? {
            name: `${found.name} length`,
            ok: false,
            detail: `${problem}.`,
            fix: `Copy the whole value again, or re-run \`polar-oauth bootstrap --env ${environment}\`.`,
          }
        : { name: `${found.name} length`, ok: true, detail: `${found.value.length} characters.` },
    );
  }
  return checks;
}

/** Polar's redirect-URI rules for the environment (https in production, no fragment, …). */
export function redirectUriChecks(layered: LayeredEnv, environment: Environment): DoctorCheck[] {
  const names = credentialVariableNames(environment);
  const found = perEnv(layered, "POLAR_REDIRECT_URI", names.redirectUri);
  if (!found.value) return [];
  const verdict = validateRedirectUri(found.value, environment);
  return [
    verdict.ok
      ? {
          name: "redirect URI rules",
          ok: true,
          detail: `${found.value} is allowed in ${environment}.`,
        }
      : { name: "redirect URI rules", ok: false, detail: verdict.problem, fix: verdict.fix },
  ];
}

/** `POLAR_SCOPES`: every scope one Polar accepts. */
export function scopeChecks(layered: LayeredEnv): DoctorCheck[] {
  const value = layered.values.POLAR_SCOPES?.trim();
  if (!value)
    return [
      {
        name: "scopes",
        ok: true,
        detail: "POLAR_SCOPES not set: the app requests openid profile email.",
      },
    ];
  const unknown = parseScopes(value).filter((scope) => !isPolarScope(scope));
  return [
    unknown.length === 0
      ? { name: "scopes", ok: true, detail: `${parseScopes(value).join(" ")}.` }
      : {
          name: "scopes",
          ok: false,
          detail: unknown.map(describeUnknownScope).join(" "),
          fix: 'Set POLAR_SCOPES to space-separated Polar scopes, e.g. "openid profile email".',
        },
  ];
}

/** Fetches the discovery document: reachability, and the clock skew from the `Date` header. */
async function probeServer(
  server: PolarServer,
): Promise<{ reachable: DoctorCheck; clock?: DoctorCheck }> {
  const url = `${server.url}/.well-known/openid-configuration`;
  const started = Date.now();
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(5000),
    });
    await response.body?.cancel();
  } catch (error) {
    const reason =
      (error as Error).name === "TimeoutError" ? "no answer within 5000 ms" : "connection failed";
    return {
      reachable: {
        name: "server reachable",
        ok: false,
        detail: `${url}: ${reason}.`,
        fix: "Check POLAR_SERVER (or --server), the network and any proxy.",
      },
    };
  }
  const elapsed = Date.now() - started;
  const received = Date.now();
  let reachable: DoctorCheck = response.ok
    ? {
        name: "server reachable",
        ok: true,
        detail: `${server.url} answered discovery in ${elapsed} ms.`,
      }
    : {
        name: "server reachable",
        ok: false,
        detail: `${url} answered ${response.status}.`,
        fix: "Is POLAR_SERVER a Polar-compatible server?",
      };
  if (response.ok && server.kind === "custom") {
    try {
      await getServerMetadata(server);
    } catch (error) {
      reachable = {
        name: "server reachable",
        ok: false,
        detail: describeError(error).message,
        fix: "Point POLAR_SERVER at a Polar-compatible server.",
      };
    }
  }
  const date = Date.parse(response.headers.get("date") ?? "");
  if (Number.isNaN(date)) {
    return {
      reachable,
      clock: {
        name: "clock skew",
        ok: null,
        detail: "the server sent no Date header; not measured.",
      },
    };
  }
  // The Date header has one-second resolution and was stamped during the request.
  const skew = Math.round((received - elapsed / 2 - date) / 1000);
  const clock: DoctorCheck =
    Math.abs(skew) <= MAX_CLOCK_SKEW_SECONDS
      ? {
          name: "clock skew",
          ok: true,
          detail: `local clock within ${Math.abs(skew)} s of the server's.`,
        }
      : {
          name: "clock skew",
          ok: false,
          detail: `local clock is ${Math.abs(skew)} s ${skew > 0 ? "ahead of" : "behind"} the server's.`,
          fix: "Synchronise the clock (NTP): id_token iat/exp checks fail when clocks disagree.",
        };
  return { reachable, clock };
}
