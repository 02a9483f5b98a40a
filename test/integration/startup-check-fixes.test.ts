import { spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import {
  definePolarConfig,
  loadPolarConfig,
  type PolarConfig,
  PolarServerMismatchError,
  PolarUnreachableError,
  RedirectUriMismatchError,
  RegistrationMismatchError,
  verifyRegistration,
} from "@polar-oauth/core";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { polarAuth } from "@polar-oauth/express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_SESSION_SECRET } from "../support/kit.js";

/** The CLI's workspace launcher, as `polar-oauth` on PATH runs it. */
const CLI = fileURLToPath(new URL("../../packages/cli/bin/polar-oauth.js", import.meta.url));

/** Runs a shell command line exactly as printed, with `polar-oauth` on PATH. */
async function runPrinted(
  line: string,
  cwd: string,
): Promise<{ code: number | null; output: string }> {
  const bin = join(cwd, "bin");
  await mkdir(bin, { recursive: true });
  await writeFile(
    join(bin, "polar-oauth"),
    `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`,
  );
  await chmod(join(bin, "polar-oauth"), 0o755);
  return new Promise((done) => {
    const child = spawn("bash", ["-c", line], {
      cwd,
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: cwd },
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("close", (code) => done({ code, output }));
  });
}

/** The command a message suggests (the first one in backticks). */
function suggestedCommand(message: string): string {
  const command = /`(polar-oauth [^`]+)`/.exec(message)?.[1];
  if (!command) throw new Error(`no command in: ${message}`);
  return command;
}

describe("the redirect-URI mismatch's suggested command runs as printed", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, rateLimits: false });
  });
  afterAll(() => emulator.close());

  it("a wrong port: the startup check prints a command, which exits 0, and the app then starts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "polar-oauth-fix-"));
    const registered = await runPrinted(
      `polar-oauth bootstrap --server ${emulator.url} --name 'Fix test' --redirect-uri http://localhost:3000/auth/callback`,
      dir,
    );
    expect(registered.code, registered.output).toBe(0);
    // The user edits the port in the file bootstrap wrote.
    const file = join(dir, ".env.development.local");
    const text = await readFile(file, "utf8");
    expect(text).toContain("POLAR_REDIRECT_URI_DEV=http://localhost:3000/auth/callback");
    await writeFile(file, text.replace("localhost:3000", "localhost:3001"));
    const env = (): Record<string, string> => ({
      ...(parseEnv(text.replace("localhost:3000", "localhost:3001")) as Record<string, string>),
      POLAR_SERVER: emulator.url,
      SESSION_SECRET: TEST_SESSION_SECRET,
    });

    const failed = await polarAuth(loadPolarConfig(env())).ready.catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RedirectUriMismatchError);
    const command = suggestedCommand((failed as Error).message);
    expect(command).toBe(
      `polar-oauth bootstrap --env development --server ${emulator.url} --redirect-uri http://localhost:3000/auth/callback --redirect-uri http://localhost:3001/auth/callback --apply`,
    );

    // Run exactly as printed: nothing but PATH and HOME in the environment, so the command
    // carries its server itself; the credentials come from the dotenv file.
    const fixed = await runPrinted(command, dir);
    expect(fixed.code, fixed.output).toBe(0);
    expect(fixed.output).toMatch(
      /Updated Polar client polar_ci_\w+ \(development\): redirect_uris\./,
    );
    expect(fixed.output).not.toContain(env().POLAR_CLIENT_SECRET_DEV!);

    const auth = polarAuth(loadPolarConfig(env()));
    await expect(auth.ready).resolves.toMatchObject({
      method: "registration",
      redirectUri: "http://localhost:3001/auth/callback",
    });
  });
});

describe("the other commands the startup check prints run as printed too", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, rateLimits: false });
  });
  afterAll(() => emulator.close());

  /** A project directory whose dotenv file bootstrap wrote, and the app's environment. */
  async function project(extra: string[] = []) {
    const dir = await mkdtemp(join(tmpdir(), "polar-oauth-fix-"));
    const made = await runPrinted(
      `polar-oauth bootstrap --server ${emulator.url} --name 'Fix test' --redirect-uri http://localhost:3000/auth/callback ${extra.join(" ")}`,
      dir,
    );
    expect(made.code, made.output).toBe(0);
    const env = async (): Promise<Record<string, string>> => ({
      ...(parseEnv(await readFile(join(dir, ".env.development.local"), "utf8")) as Record<
        string,
        string
      >),
      POLAR_SERVER: emulator.url,
      SESSION_SECRET: TEST_SESSION_SECRET,
    });
    return { dir, env };
  }

  it("a scope the client is not registered for: the printed clients update adds it", async () => {
    const { dir, env } = await project(["--scope", "'openid profile email'"]);
    const config = async () =>
      loadPolarConfig({ ...(await env()), POLAR_SCOPES: "openid email orders:read" });
    const failed = await verifyRegistration(await config()).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RegistrationMismatchError);
    const command = suggestedCommand((failed as Error).message);
    expect(command).toBe(
      `polar-oauth clients update --env development --server ${emulator.url} --scope 'openid profile email orders:read'`,
    );
    const fixed = await runPrinted(command, dir);
    expect(fixed.code, fixed.output).toBe(0);
    await expect(verifyRegistration(await config())).resolves.toMatchObject({
      method: "registration",
    });
  });

  it("a deleted client: the printed bootstrap --force-new registers a new one, and the app starts", async () => {
    const { dir, env } = await project();
    const before = await env();
    const deleted = await fetch(
      `${emulator.url}/v1/oauth2/register/${before.POLAR_CLIENT_ID_DEV}`,
      {
        method: "DELETE",
        headers: { authorization: `Bearer ${before.POLAR_REGISTRATION_TOKEN_DEV}` },
      },
    );
    expect(deleted.status).toBe(204);
    const failed = await polarAuth(loadPolarConfig(before)).ready.catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RegistrationMismatchError);
    const command = suggestedCommand((failed as Error).message);
    expect(command).toBe(
      `polar-oauth bootstrap --env development --server ${emulator.url} --force-new --name 'My app' --redirect-uri http://localhost:3000/auth/callback`,
    );
    const fixed = await runPrinted(command, dir);
    expect(fixed.code, fixed.output).toBe(0);
    const after = await env();
    expect(after.POLAR_CLIENT_ID_DEV).not.toBe(before.POLAR_CLIENT_ID_DEV);
    await expect(polarAuth(loadPolarConfig(after)).ready).resolves.toMatchObject({
      method: "registration",
    });
  });
});

describe("sandbox and production mix-ups (two emulators stand in for the two servers)", () => {
  let sandbox: Emulator;
  let production: Emulator;
  beforeAll(async () => {
    [sandbox, production] = await Promise.all([
      startEmulator({ port: 0, rateLimits: false }),
      startEmulator({ port: 0, rateLimits: false }),
    ]);
  });
  afterAll(() => Promise.all([sandbox.close(), production.close()]));

  /** Polar's hosts, answered by the emulators: the shipped server data stays as it is. */
  const routed: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const to =
      url.origin === "https://sandbox-api.polar.sh"
        ? sandbox.url
        : url.origin === "https://api.polar.sh"
          ? production.url
          : undefined;
    return fetch(to ? `${to}${url.pathname}${url.search}` : input, init);
  };

  const REDIRECT = "https://app.example.com/auth/callback";
  const register = (on: Emulator) =>
    on.registerClient({ client_name: "Mix-up", redirect_uris: [REDIRECT] });
  const configFor = (
    client: Awaited<ReturnType<typeof register>>,
    extra: Partial<Parameters<typeof definePolarConfig>[0]> = {},
  ): PolarConfig =>
    definePolarConfig({
      environment: "development",
      clientId: client.client_id,
      clientSecret: client.client_secret!,
      redirectUri: REDIRECT,
      session: { secrets: TEST_SESSION_SECRET },
      ...extra,
    });

  it.each([
    ["probe", false],
    ["registration read", true],
  ])(
    "a production client with POLAR_SERVER unset (%s): names where it lives and what to set",
    async (_, withToken) => {
      const client = await register(production);
      const config = configFor(client, {
        registrationAccessToken: withToken ? client.registration_access_token : undefined,
      });
      production.resetStats();
      const error = await polarAuth(config, { fetch: routed }).ready.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PolarServerMismatchError);
      expect(error).toMatchObject({ code: "CLIENT_ON_OTHER_SERVER", foundOn: "production" });
      const message = (error as Error).message;
      expect(message).toContain(
        `Polar client ${client.client_id} is not registered on https://sandbox-api.polar.sh (the sandbox: POLAR_SERVER is unset, and ENVIRONMENT=development uses the sandbox by default); it is registered on the production server (https://api.polar.sh).`,
      );
      expect(message).toContain("Fix: set POLAR_SERVER=production");
      expect(message).toContain("@polar-oauth/core/ERRORS.md#client_on_other_server");
      expect(message).not.toContain(client.client_secret!);
      expect(production.stats().requests.authorize_api).toBe(1);
    },
  );

  it("a sandbox client configured for production: the reverse", async () => {
    const client = await register(sandbox);
    const config = configFor(client, {
      environment: "production",
      unsafeHttpLoopbackInProduction: true,
    });
    const error = await verifyRegistration(config, { fetch: routed }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolarServerMismatchError);
    expect((error as Error).message).toContain(
      "(the production server: POLAR_SERVER is unset, and ENVIRONMENT=production uses the production server by default); it is registered on the sandbox (https://sandbox-api.polar.sh). Sandbox and production are separate Polar servers",
    );
    expect((error as Error).message).toContain("Fix: set POLAR_SERVER=sandbox,");
  });

  it("a client on neither server keeps the plain answer", async () => {
    const error = await verifyRegistration(
      definePolarConfig({
        clientId: "polar_ci_nowhere",
        redirectUri: REDIRECT,
        session: { secrets: TEST_SESSION_SECRET },
      }),
      { fetch: routed },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistrationMismatchError);
    expect((error as Error).message).toContain("Polar does not know client polar_ci_nowhere");
  });

  it("a custom server (the emulator) asks no other server", async () => {
    const client = await register(production);
    production.resetStats();
    const error = await verifyRegistration(configFor(client, { server: sandbox.url }), {
      fetch: routed,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistrationMismatchError);
    expect(error).not.toBeInstanceOf(PolarServerMismatchError);
    expect(production.stats().requests.authorize_api ?? 0).toBe(0);
  });

  it("an unreachable server: which one, and why it was chosen", async () => {
    const closed = await startEmulator({ port: 0, rateLimits: false });
    const url = closed.url;
    await closed.close();
    const toClosed: typeof fetch = (input, init) => {
      const target = new URL(input instanceof Request ? input.url : String(input));
      return fetch(`${url}${target.pathname}${target.search}`, init);
    };
    const config = definePolarConfig({
      clientId: "polar_ci_x",
      redirectUri: REDIRECT,
      session: { secrets: TEST_SESSION_SECRET },
    });
    const error = await verifyRegistration(config, { fetch: toClosed }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolarUnreachableError);
    expect((error as Error).message).toMatch(
      /^Polar server unreachable at https:\/\/sandbox-api\.polar\.sh \(the sandbox: POLAR_SERVER is unset, and ENVIRONMENT=development uses the sandbox by default\): connection failed \(ECONNREFUSED\)\. Fix: .*set POLAR_SERVER to the server you mean/,
    );
  });
});
