import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  assertNoSecretPrinted,
  BIN,
  knownSecrets,
  modeOf,
  readEnvFile,
  runBin,
  tempDir,
} from "./support.js";

/** Start of an ANSI color sequence. */
const ESC = "\u001b[";

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, rateLimits: false });
});

afterAll(async () => {
  assertNoSecretPrinted();
  await emulator.close();
});

const DEV_URI = "http://localhost:3000/auth/callback";
const DEV = ["bootstrap", "--name", "My App (dev)", "--redirect-uri", DEV_URI];
const env = () => ({ POLAR_SERVER: emulator.url });

/** Reads a client straight from the emulator (RFC 7592 GET with its registration token). */
async function registered(clientId: string, token: string) {
  const response = await fetch(`${emulator.url}/v1/oauth2/register/${clientId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("bootstrap: first run, second run, drift", () => {
  let dir: string;
  let file: string;
  const original = [
    "# Local settings for the example app",
    "SESSION_SECRET=not-a-real-secret-but-long-enough-0123456789",
    "",
    'export DATABASE_URL="postgres://localhost/app"',
    "# keep this comment",
    "",
  ].join("\n");

  beforeAll(async () => {
    dir = await tempDir();
    file = join(dir, ".env.development.local");
    await writeFile(file, original, { mode: 0o600 });
    emulator.resetStats();
  });

  test("first run registers exactly one client and merges the credentials into the existing 0600 file", async () => {
    const result = await runBin(DEV, { cwd: dir, env: env() });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(emulator.stats().requests.register).toBe(1);

    const text = await readFile(file, "utf8");
    expect(text.startsWith(original)).toBe(true);
    const vars = await readEnvFile(file);
    expect(vars.POLAR_CLIENT_ID_DEV).toMatch(/^polar_ci_/);
    expect(vars.POLAR_CLIENT_SECRET_DEV).toMatch(/^polar_cs_/);
    expect(vars.POLAR_REGISTRATION_TOKEN_DEV).toMatch(/^polar_crt_/);
    expect(vars.POLAR_REDIRECT_URI_DEV).toBe(DEV_URI);
    expect(vars.DATABASE_URL).toBe("postgres://localhost/app");
    expect(await modeOf(file)).toBe(0o600);

    // The terminal shows the client id and where the secret went, never the secret.
    expect(result.stdout).toContain(vars.POLAR_CLIENT_ID_DEV);
    expect(result.stdout).toContain(".env.development.local (mode 0600)");
    expect(result.stdout).toContain("POLAR_CLIENT_SECRET_DEV");
    expect(result.stdout).not.toContain(ESC); // no colors on a pipe
  });

  test("second run is up to date and registers nothing", async () => {
    const before = await readFile(file, "utf8");
    const result = await runBin(DEV, { cwd: dir, env: env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/is up to date/);
    expect(emulator.stats().requests.register).toBe(1);
    expect(emulator.stats().requests.registration_read).toBe(1);
    expect(await readFile(file, "utf8")).toBe(before);
  });

  test("--json reports the outcome without secrets", async () => {
    const result = await runBin([...DEV, "--json"], { cwd: dir, env: env() });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ ok: true, action: "up_to_date", environment: "development" });
  });

  test("drift is shown and not applied without --apply; --dry-run changes nothing; --apply applies", async () => {
    const vars = await readEnvFile(file);
    const wanted = [...DEV, "--redirect-uri", "https://dev.example.com/auth/callback"];

    const refused = await runBin(wanted, { cwd: dir, env: env() });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain("redirect_uris:");
    expect(refused.stdout).toContain("+ https://dev.example.com/auth/callback");
    expect(refused.stdout).toMatch(/Drift found, not applied.*--apply/);

    const dryRun = await runBin([...wanted, "--dry-run"], { cwd: dir, env: env() });
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(/Dry run: would update .* Nothing was changed/);
    expect(emulator.stats().requests.registration_update).toBe(0);
    const unchanged = await registered(
      vars.POLAR_CLIENT_ID_DEV!,
      vars.POLAR_REGISTRATION_TOKEN_DEV!,
    );
    expect(unchanged.body.redirect_uris).toEqual([DEV_URI]);

    const applied = await runBin([...wanted, "--apply"], { cwd: dir, env: env() });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Updated Polar client .*redirect_uris/);
    expect(emulator.stats().requests.registration_update).toBe(1);
    const updated = await registered(vars.POLAR_CLIENT_ID_DEV!, vars.POLAR_REGISTRATION_TOKEN_DEV!);
    expect(updated.body.redirect_uris).toEqual([DEV_URI, "https://dev.example.com/auth/callback"]);

    const again = await runBin(wanted, { cwd: dir, env: env() });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/up to date/);
    expect(emulator.stats().requests.register).toBe(1);
  });

  test("--yes applies field changes without asking", async () => {
    const result = await runBin(
      [
        ...DEV,
        "--redirect-uri",
        "https://dev.example.com/auth/callback",
        "--client-uri",
        "https://dev.example.com",
        "--yes",
      ],
      { cwd: dir, env: env() },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('client_uri: (not set) → "https://dev.example.com"');
    expect(emulator.stats().requests.register).toBe(1);
  });

  test("a URI field left out of the desired state is a note Polar cannot clear, with the choices, never drift that comes back", async () => {
    const wanted = [...DEV, "--redirect-uri", "https://dev.example.com/auth/callback"];
    const updates = emulator.stats().requests.registration_update;
    for (let i = 0; i < 2; i++) {
      const result = await runBin([...wanted, "--apply"], { cwd: dir, env: env() });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/is up to date/);
      expect(result.stdout).toContain(
        'client_uri is "https://dev.example.com" at Polar but not in the desired state. Polar cannot clear it',
      );
      expect(result.stdout).toMatch(
        /Keep it .* or register a new client without it with --force-new/,
      );
    }
    expect(emulator.stats().requests.registration_update).toBe(updates);
  });
});

describe("bootstrap and the server's scope default", () => {
  test("no --scope: whatever every-scope list the server stored is not drift; a named scope set is compared exactly", async () => {
    const scopes = ["openid", "profile", "email", "user:read", "widgets:read"];
    const server = await startEmulator({ port: 0, rateLimits: false, scopes });
    try {
      const dir = await tempDir();
      const run = (extra: string[] = []) =>
        runBin([...DEV, ...extra], { cwd: dir, env: { POLAR_SERVER: server.url } });
      expect((await run()).code).toBe(0);
      const vars = await readEnvFile(join(dir, ".env.development.local"));
      const again = await run();
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/is up to date/);

      const narrowed = await run(["--scope", "openid email"]);
      expect(narrowed.code).toBe(2);
      expect(narrowed.stdout).toMatch(/- widgets:read/);
      expect((await run(["--scope", "openid email", "--apply"])).code).toBe(0);
      const stored = await fetch(`${server.url}/v1/oauth2/register/${vars.POLAR_CLIENT_ID_DEV}`, {
        headers: { authorization: `Bearer ${vars.POLAR_REGISTRATION_TOKEN_DEV}` },
      });
      expect(((await stored.json()) as { scope: string }).scope).toBe("openid email");
      expect((await run(["--scope", "openid email"])).stdout).toMatch(/is up to date/);
      // Dropping --scope again: the server's default is authoritative, the stored set is kept.
      expect((await run()).stdout).toMatch(/is up to date/);
    } finally {
      await server.close();
    }
  });
});

describe("bootstrap: crash safety and existing credentials", () => {
  test("credentials are on disk when success is printed; a re-run after a kill reconciles, no duplicate", async () => {
    const dir = await tempDir();
    const file = join(dir, ".env.development.local");
    const before = emulator.stats().requests.register;
    // Kill the process the moment the credentials are on disk (it may already be done).
    const child = spawn(process.execPath, [BIN, ...DEV], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: dir, ...env() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let sawCredentialsBeforeOutput: boolean | undefined;
    const onOutput = async (chunk: Buffer) => {
      output += chunk.toString();
      // Other lines (progress, notes) may come first; the success line must follow the write.
      if (sawCredentialsBeforeOutput === undefined && /Registered Polar client/.test(output)) {
        const text = await readFile(file, "utf8").catch(() => "");
        sawCredentialsBeforeOutput = text.includes("POLAR_REGISTRATION_TOKEN_DEV=");
      }
    };
    child.stdout.on("data", onOutput);
    child.stderr.on("data", onOutput);
    const poll = setInterval(async () => {
      const text = await readFile(file, "utf8").catch(() => "");
      if (text.includes("POLAR_REGISTRATION_TOKEN_DEV=")) child.kill("SIGKILL");
    }, 5);
    await new Promise((resolve) => child.on("close", resolve));
    clearInterval(poll);
    if (/Registered Polar client/.test(output)) expect(sawCredentialsBeforeOutput).toBe(true);
    expect(emulator.stats().requests.register).toBe(before + 1);

    const vars = await readEnvFile(file);
    expect(vars.POLAR_CLIENT_SECRET_DEV).toMatch(/^polar_cs_/);
    const rerun = await runBin(DEV, { cwd: dir, env: env() });
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(/up to date/);
    expect(emulator.stats().requests.register).toBe(before + 1);
    expect((await readEnvFile(file)).POLAR_CLIENT_SECRET_DEV).toBe(vars.POLAR_CLIENT_SECRET_DEV);
  });

  test("a client id without a registration token is not duplicated", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, ".env.development.local"), "POLAR_CLIENT_ID_DEV=polar_ci_existing\n");
    const before = emulator.stats().requests.register;
    const result = await runBin(DEV, { cwd: dir, env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no POLAR_REGISTRATION_TOKEN_DEV.*--force-new/);
    expect(emulator.stats().requests.register).toBe(before);
  });

  test("credentials from the process environment are found too", async () => {
    const dir = await tempDir();
    const client = await emulator.registerClient({ client_name: "Env", redirect_uris: [DEV_URI] });
    knownSecrets.add(client.registration_access_token);
    if (client.client_secret) knownSecrets.add(client.client_secret);
    const before = emulator.stats().requests.register;
    const result = await runBin(["bootstrap", "--name", "Env", "--redirect-uri", DEV_URI], {
      cwd: dir,
      env: {
        ...env(),
        POLAR_CLIENT_ID_DEV: client.client_id,
        POLAR_REGISTRATION_TOKEN_DEV: client.registration_access_token,
      },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/up to date/);
    expect(emulator.stats().requests.register).toBe(before);
  });

  test("a client deleted at Polar is reported with the fix, not re-created", async () => {
    const dir = await tempDir();
    const file = join(dir, ".env.development.local");
    expect((await runBin(DEV, { cwd: dir, env: env() })).code).toBe(0);
    const vars = await readEnvFile(file);
    const deleted = await fetch(`${emulator.url}/v1/oauth2/register/${vars.POLAR_CLIENT_ID_DEV}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${vars.POLAR_REGISTRATION_TOKEN_DEV}` },
    });
    expect(deleted.status).toBe(204);
    const before = emulator.stats().requests.register;
    const result = await runBin(DEV, { cwd: dir, env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `Polar client ${vars.POLAR_CLIENT_ID_DEV} cannot be read (401 invalid_client)`,
    );
    expect(result.stderr).toMatch(
      /It was not re-created\. Fix: remove POLAR_CLIENT_ID_DEV and POLAR_REGISTRATION_TOKEN_DEV/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(emulator.stats().requests.register).toBe(before);

    // The fix: --force-new registers a replacement; the gone client is not kept as "previous".
    const fresh = await runBin([...DEV, "--force-new"], { cwd: dir, env: env() });
    expect(fresh.code).toBe(0);
    const after = await readEnvFile(file);
    expect(after.POLAR_CLIENT_ID_DEV).not.toBe(vars.POLAR_CLIENT_ID_DEV);
    expect(after.POLAR_PREVIOUS_CLIENT_ID_DEV).toBeUndefined();
  });

  test("--force-new keeps a live client as POLAR_PREVIOUS_… until it is deleted", async () => {
    const dir = await tempDir();
    const file = join(dir, ".env.development.local");
    expect((await runBin(DEV, { cwd: dir, env: env() })).code).toBe(0);
    const old = (await readEnvFile(file)).POLAR_CLIENT_ID_DEV!;
    const result = await runBin([...DEV, "--force-new"], { cwd: dir, env: env() });
    expect(result.code).toBe(0);
    const vars = await readEnvFile(file);
    expect(vars.POLAR_CLIENT_ID_DEV).not.toBe(old);
    expect(vars.POLAR_PREVIOUS_CLIENT_ID_DEV).toBe(old);
    expect(result.stdout).toContain(`polar-oauth clients delete ${old} --env development --yes`);
  });
});

describe("bootstrap: credentials on stdout", () => {
  test("--format dotenv prints the credentials on a non-TTY stdout and the summary on stderr", async () => {
    const dir = await tempDir();
    const result = await runBin([...DEV, "--format", "dotenv"], {
      cwd: dir,
      env: env(),
      printsSecrets: true,
    });
    expect(result.code).toBe(0);
    const vars = Object.fromEntries(
      result.stdout
        .trim()
        .split("\n")
        .map((line) => line.split("=", 2) as [string, string]),
    );
    expect(Object.keys(vars)).toEqual([
      "POLAR_CLIENT_ID_DEV",
      "POLAR_CLIENT_SECRET_DEV",
      "POLAR_REGISTRATION_TOKEN_DEV",
      "POLAR_REDIRECT_URI_DEV",
      // The client lives on the emulator, not development's default (sandbox). A secret store
      // may hold a SESSION_SECRET already: none is generated for stdout.
      "POLAR_SERVER",
    ]);
    expect(vars.POLAR_SERVER).toBe(emulator.url);
    expect(result.stderr).toContain("Credentials written to stdout (dotenv)");
    expect(result.stderr).not.toContain(vars.POLAR_CLIENT_SECRET_DEV);
    expect(result.stderr).not.toContain(vars.POLAR_REGISTRATION_TOKEN_DEV);
    knownSecrets.add(vars.POLAR_CLIENT_SECRET_DEV!);
    knownSecrets.add(vars.POLAR_REGISTRATION_TOKEN_DEV!);
  });

  test("--format json and shell", async () => {
    const dir = await tempDir();
    const json = await runBin([...DEV, "--format", "json", "--auth-method", "none"], {
      cwd: dir,
      env: env(),
      printsSecrets: true,
    });
    expect(json.code).toBe(0);
    const credentials = JSON.parse(json.stdout);
    expect(Object.keys(credentials)).toEqual([
      "POLAR_CLIENT_ID_DEV",
      "POLAR_REGISTRATION_TOKEN_DEV",
      "POLAR_REDIRECT_URI_DEV",
      "POLAR_SERVER",
    ]);
    knownSecrets.add(credentials.POLAR_REGISTRATION_TOKEN_DEV);
    const shell = await runBin([...DEV, "--format", "shell"], {
      cwd: dir,
      env: env(),
      printsSecrets: true,
    });
    expect(shell.stdout).toMatch(/^export POLAR_CLIENT_ID_DEV='polar_ci_\w+'$/m);
    for (const match of shell.stdout.matchAll(/='(polar_c(?:s|rt)_\w+)'/g))
      knownSecrets.add(match[1]!);
  });
});
