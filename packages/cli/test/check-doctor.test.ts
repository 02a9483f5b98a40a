import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Emulator, type RegisteredClientResponse, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, test } from "vitest";
import { assertNoSecretPrinted, knownSecrets, runBin, tempDir } from "./support.js";

let emulator: Emulator;
let client: RegisteredClientResponse;
let dir: string;
const SESSION_SECRET = "kR7vQ2mX9pL4wN8sT1yB6cF3hJ5dG0zAeUx9Wq3Ln";
const REGISTERED = "https://example.com/callback";

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, rateLimits: false });
  client = await emulator.registerClient({
    client_name: "Check",
    redirect_uris: [REGISTERED, "https://localhost:8443/callback"],
  });
  knownSecrets.add(client.client_secret!);
  knownSecrets.add(client.registration_access_token);
  knownSecrets.add(SESSION_SECRET);
  dir = await tempDir();
  // The file bootstrap would have written, plus what the app adds.
  await writeFile(
    join(dir, ".env.production.local"),
    [
      `POLAR_CLIENT_ID_PROD=${client.client_id}`,
      `POLAR_CLIENT_SECRET_PROD=${client.client_secret}`,
      `POLAR_REGISTRATION_TOKEN_PROD=${client.registration_access_token}`,
      `POLAR_REDIRECT_URI_PROD=${REGISTERED}`,
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
});

afterAll(async () => {
  assertNoSecretPrinted();
  await emulator.close();
});

const check = (env: Record<string, string> = {}, args: string[] = []) =>
  runBin(["check", "--env", "production", ...args], {
    cwd: dir,
    env: { POLAR_SERVER: emulator.url, ...env },
  });

describe.concurrent("check", () => {
  test("passes with the exact registered URI", async ({ expect }) => {
    const result = await check();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `✓ Polar client ${client.client_id} \\(production\\) accepts redirect URI ${REGISTERED} with client_secret_post: read back`,
      ),
    );
  });

  test("--json", async ({ expect }) => {
    const result = await check({}, ["--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      clientId: client.client_id,
      method: "registration",
      registeredRedirectUris: [REGISTERED, "https://localhost:8443/callback"],
    });
  });

  test("fails on a trailing slash, explained", async ({ expect }) => {
    const result = await check({ POLAR_REDIRECT_URI_PROD: `${REGISTERED}/` });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /✗ Redirect URI https:\/\/example\.com\/callback\/ is not registered/,
    );
    expect(result.stdout).toContain("yours has a trailing slash");
  });

  test("fails on a query string, explained (the kit refuses a query before asking Polar)", async ({
    expect,
  }) => {
    const result = await check({ POLAR_REDIRECT_URI_PROD: `${REGISTERED}?code=123` });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `"${REGISTERED}?code=123": it has a query (?…), which the token request drops (openid-client)`,
    );
  });

  test("fails on the http scheme, explained", async ({ expect }) => {
    const result = await check({ POLAR_REDIRECT_URI_PROD: "http://example.com/callback" });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ POLAR_REDIRECT_URI_PROD: .*http/);
    expect(result.stdout).toMatch(/Use https/);
    // Same near miss where http is allowed (development, localhost): the scheme is named.
    const dev = await runBin(["check", "--env", "development"], {
      cwd: dir,
      env: {
        POLAR_SERVER: emulator.url,
        POLAR_CLIENT_ID_DEV: client.client_id,
        POLAR_CLIENT_SECRET_DEV: client.client_secret!,
        POLAR_REGISTRATION_TOKEN_DEV: client.registration_access_token,
        POLAR_REDIRECT_URI_DEV: "http://localhost:8443/callback",
      },
    });
    expect(dev.code).toBe(1);
    expect(dev.stdout).toContain("scheme: yours is http, registered is https");
  });

  test("without a registration token it probes the authorize endpoint", async ({ expect }) => {
    const probe = await runBin(["check", "--env", "staging"], {
      cwd: dir,
      env: {
        POLAR_SERVER: emulator.url,
        POLAR_CLIENT_ID_STAGING: client.client_id,
        POLAR_CLIENT_SECRET_STAGING: client.client_secret!,
        POLAR_REDIRECT_URI_STAGING: `${REGISTERED}/`,
      },
    });
    expect(probe.code).toBe(1);
    expect(probe.stdout).toMatch(/Polar refused an authorization request .*trailing slash/);
  });
});

describe.concurrent("doctor", () => {
  test("all green: one line per check, names only", async ({ expect }) => {
    const result = await runBin(["doctor", "--env", "production"], {
      cwd: dir,
      env: { POLAR_SERVER: emulator.url, SESSION_SECRET },
    });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n");
    for (const expected of [
      /^✓ POLAR_CLIENT_ID_PROD: set \(\.env\.production\.local\)\.$/,
      /^✓ POLAR_CLIENT_SECRET_PROD: set/,
      /^✓ SESSION_SECRET: set \(environment\)\.$/,
      /^✓ POLAR_CLIENT_SECRET_PROD length: 52 characters\.$/,
      /^✓ SESSION_SECRET length: 41 characters/,
      /^✓ redirect URI rules: https:\/\/example\.com\/callback is allowed in production\.$/,
      /^✓ scopes: /,
      /^✓ configuration: /,
      /^✓ server reachable: /,
      /^✓ clock skew: local clock within \d+ s/,
      /^✓ startup check: /,
      /^All checks passed\.$/,
    ]) {
      expect(
        lines.some((line) => expected.test(line)),
        String(expected),
      ).toBe(true);
    }
  });

  test("problems: ✗ with a fix on each line, exit 1", async ({ expect }) => {
    const result = await runBin(["doctor", "--env", "production", "--json"], {
      cwd: dir,
      env: {
        POLAR_SERVER: emulator.url,
        SESSION_SECRET: "tiny-secret",
        POLAR_SCOPES: "openid emial",
        POLAR_REDIRECT_URI_PROD: "http://localhost:3000/callback",
      },
    });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    const byName = Object.fromEntries(report.checks.map((c: { name: string }) => [c.name, c]));
    expect(byName["SESSION_SECRET length"]).toMatchObject({
      ok: false,
      fix: expect.stringMatching(/openssl rand/),
    });
    expect(byName.scopes).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/did you mean "email"/),
    });
    expect(byName["redirect URI rules"]).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/http in production/),
    });
    expect(byName["server reachable"]).toMatchObject({ ok: true });
    expect(result.stdout).not.toContain("tiny-secret");

    const human = await runBin(["doctor", "--env", "production"], {
      cwd: dir,
      env: { POLAR_SERVER: emulator.url, SESSION_SECRET: "tiny-secret" },
    });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(
      /^✗ SESSION_SECRET length: 1 of 1 secret shorter than 32 characters \(11\)\. Fix: /m,
    );
    expect(human.stdout).toMatch(/^✓ startup check: /m);
    expect(human.stdout).toMatch(/^2 checks failed\.$/m);
  });

  test("missing variables and an unreachable server", async ({ expect }) => {
    const empty = await tempDir();
    const result = await runBin(["doctor"], {
      cwd: empty,
      env: { POLAR_SERVER: "http://127.0.0.1:9" },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^✗ POLAR_CLIENT_ID_DEV: missing\. Fix: Run `polar-oauth bootstrap --env development`/m,
    );
    expect(result.stdout).toMatch(/^✗ POLAR_REDIRECT_URI_DEV: missing\./m);
    expect(result.stdout).toMatch(
      /^✗ server reachable: http:\/\/127\.0\.0\.1:9\/\.well-known\/openid-configuration: connection failed\. Fix: /m,
    );
    expect(result.stdout).toMatch(/^– startup check: skipped/m);
  });
});
