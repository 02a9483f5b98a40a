import { access, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  assertNoSecretPrinted,
  modeOf,
  readEnvFile,
  rememberPat,
  runBin,
  tempDir,
} from "./support.js";

let emulator: Emulator;
let dir: string;
let env: Record<string, string>;
const FILE = ".env.production";
const PROD = ["--env", "production", "--env-file", FILE];
const APP_URI = "https://app.example.com/auth/callback";
const DEV_URI = "http://localhost:3000/auth/callback";

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, rateLimits: false });
  const alice = emulator.fixtures.users.find((user) => user.email === "alice@example.com")!;
  // A Personal Access Token in the environment: the CLI must never send it (Polar answers 403).
  env = { POLAR_SERVER: emulator.url, POLAR_ACCESS_TOKEN: rememberPat(alice.pat) };
  dir = await tempDir();
});

afterAll(async () => {
  assertNoSecretPrinted();
  await emulator.close();
});

const run = (args: string[]) => runBin(args, { cwd: dir, env });

/** A client read straight from the emulator with its registration token. */
async function readBack(clientId: string, token: string) {
  const response = await fetch(`${emulator.url}/v1/oauth2/register/${clientId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return {
    status: response.status,
    body: (await response.json()) as { client_name: string; redirect_uris: string[] },
  };
}

const IGNORED_NOTE =
  /^note: POLAR_ACCESS_TOKEN is ignored: Polar refuses Personal Access Tokens on client management \(403\)/m;

describe("clients and rotate, with registration tokens only", () => {
  let clientId: string;
  let token: string;
  let devId: string;

  test("bootstrap registers anonymously although POLAR_ACCESS_TOKEN is set, and says it is ignored", async () => {
    const result = await run([
      "bootstrap",
      "--env",
      "production",
      "--name",
      "Shop",
      "--redirect-uri",
      APP_URI,
      "--out",
      FILE,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(IGNORED_NOTE);
    expect(result.stdout.match(/POLAR_ACCESS_TOKEN/g)).toHaveLength(1);
    expect(await modeOf(join(dir, FILE))).toBe(0o600);
    const vars = await readEnvFile(join(dir, FILE));
    clientId = vars.POLAR_CLIENT_ID_PROD!;
    token = vars.POLAR_REGISTRATION_TOKEN_PROD!;
    expect(result.stdout).toContain(`Registered Polar client ${clientId} (production)`);
    // Anonymous: no account owns it, so the PAT owner's dashboard list does not show it.
    const dev = await run(["bootstrap", "--name", "Shop (dev)", "--redirect-uri", DEV_URI]);
    expect(dev.code).toBe(0);
    devId = (await readEnvFile(join(dir, ".env.development.local"))).POLAR_CLIENT_ID_DEV!;
  });

  test("list: every environment's known client, read back one by one; says where account-owned clients are", async () => {
    const table = await run(["clients", "list", ...PROD]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /^ENVIRONMENT\s+CLIENT ID\s+NAME\s+AUTH METHOD\s+REDIRECT URIS\s+STATUS$/m,
    );
    expect(table.stdout).toMatch(new RegExp(`^development\\s+${devId}\\s+Shop \\(dev\\)\\s`, "m"));
    expect(table.stdout).toMatch(
      new RegExp(
        `^production\\s+${clientId}\\s+Shop\\s+client_secret_post\\s+${APP_URI.replace(/\./g, "\\.")}\\s+ok$`,
        "m",
      ),
    );
    expect(table.stdout).toMatch(/2 clients known to this project/);
    expect(table.stdout).toMatch(
      /Polar shows the clients owned by your account .* only in its dashboard/,
    );
    const json = await run(["clients", "list", ...PROD, "--json"]);
    expect(json.code).toBe(0);
    const clients = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(clients.map((c) => [c.environment, c.clientId, c.status])).toEqual([
      ["development", devId, "ok"],
      ["production", clientId, "ok"],
    ]);
    expect(json.stdout).not.toMatch(/"client_secret"|"registration_access_token"/);
  });

  test("list names a client it cannot read instead of failing", async () => {
    const other = await tempDir();
    await writeFile(
      join(other, ".env.staging.local"),
      "POLAR_CLIENT_ID_STAGING=polar_ci_gone\nPOLAR_REGISTRATION_TOKEN_STAGING=polar_crt_wrong\n",
    );
    const result = await runBin(["clients", "list"], { cwd: other, env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^staging\s+polar_ci_gone\s+cannot be read: deleted at Polar/m);
  });

  test("get: fields and --json (default id from the env file)", async () => {
    const fields = await run(["clients", "get", ...PROD]);
    expect(fields.code).toBe(0);
    expect(fields.stdout).toMatch(new RegExp(`^client_id:\\s+${clientId}$`, "m"));
    expect(fields.stdout).toMatch(
      /^redirect_uris:\s+https:\/\/app\.example\.com\/auth\/callback$/m,
    );
    const json = await run(["clients", "get", clientId, ...PROD, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      client_id: clientId,
      client_name: "Shop",
      redirect_uris: [APP_URI],
    });
    // Polar returns a confidential client's secret on read; the CLI never prints it.
    expect(json.stdout).not.toMatch(/"client_secret"/);
  });

  test("a client without its registration token cannot be managed: the fix names the variable, no PAT hint", async () => {
    const result = await run(["clients", "get", "polar_ci_someone_elses", ...PROD]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /Managing polar_ci_someone_elses needs its registration token.*POLAR_REGISTRATION_TOKEN_PROD/,
    );
    expect(result.stderr).not.toContain("POLAR_ACCESS_TOKEN");
  });

  test("update: --dry-run changes nothing; then the change lands", async () => {
    const extra = "https://www.example.com/auth/callback";
    const dry = await run(["clients", "update", ...PROD, "--add-redirect-uri", extra, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`+ ${extra}`);
    expect((await readBack(clientId, token)).body.redirect_uris).toEqual([APP_URI]);

    const applied = await run([
      "clients",
      "update",
      ...PROD,
      "--add-redirect-uri",
      extra,
      "--name",
      "Shop 2",
    ]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('client_name: "Shop" → "Shop 2"');
    expect((await readBack(clientId, token)).body).toMatchObject({
      client_name: "Shop 2",
      redirect_uris: [APP_URI, extra],
    });

    const back = await run([
      "clients",
      "update",
      ...PROD,
      "--remove-redirect-uri",
      extra,
      "--name",
      "Shop",
      "--json",
    ]);
    expect(JSON.parse(back.stdout)).toMatchObject({
      ok: true,
      action: "updated",
      client: { redirect_uris: [APP_URI] },
    });
  });

  test("update says when it refuses a redirect URI Polar itself would accept", async () => {
    const result = await run([
      "clients",
      "update",
      ...PROD,
      "--add-redirect-uri",
      "https://user@app.example.com/auth/callback",
    ]);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/it has userinfo/);
    expect(result.stderr).toMatch(
      /it has userinfo .*\(Polar itself would register it; polar-oauth refuses it on purpose/,
    );
  });

  test("rotate leaves two clients until the old one is deleted; delete says what Polar really does", async () => {
    const rotated = await run(["rotate", "--env", "production", "--out", FILE]);
    expect(rotated.code).toBe(0);
    const vars = await readEnvFile(join(dir, FILE));
    const newId = vars.POLAR_CLIENT_ID_PROD!;
    expect(newId).not.toBe(clientId);
    expect(vars.POLAR_PREVIOUS_CLIENT_ID_PROD).toBe(clientId);
    expect(vars.POLAR_PREVIOUS_REGISTRATION_TOKEN_PROD).toBe(token);
    expect(rotated.stdout).toContain(
      `polar-oauth clients delete ${clientId} --env production --env-file ${FILE} --yes`,
    );
    expect((await readBack(clientId, token)).status).toBe(200);
    expect((await readBack(newId, vars.POLAR_REGISTRATION_TOKEN_PROD!)).status).toBe(200);
    const listed = await run(["clients", "list", ...PROD]);
    expect(listed.stdout).toMatch(new RegExp(`^production \\(previous\\)\\s+${clientId}\\s`, "m"));

    // A second rotation before the old client is gone is refused (its token would be lost).
    const again = await run(["rotate", "--env", "production", "--out", FILE]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/previous client .* still recorded/);

    // Not a terminal and no --yes: refuse, change nothing.
    const refused = await run(["clients", "delete", clientId, ...PROD]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Polar soft-deletes it/);
    expect(refused.stderr).toMatch(
      /docs say deletion revokes all tokens, but its code revokes none: access tokens it already issued stay valid until they expire/,
    );
    expect(refused.stdout).toMatch(/Refusing to delete .* pass --yes/);
    expect((await readBack(clientId, token)).status).toBe(200);

    const deleted = await run(["clients", "delete", clientId, ...PROD, "--yes"]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`Deleted Polar client ${clientId}`);
    expect(deleted.stdout).toMatch(/access tokens it already issued stay valid until they expire/);
    expect((await readBack(clientId, token)).status).toBe(401);
    const after = await readEnvFile(join(dir, FILE));
    expect(after.POLAR_PREVIOUS_CLIENT_ID_PROD).toBeUndefined();
    expect(after.POLAR_CLIENT_ID_PROD).toBe(newId);

    const check = await run(["check", ...PROD]);
    expect(check.code).toBe(0);
  });

  test("get of a deleted client is a clear error", async () => {
    const result = await runBin(["clients", "get", clientId, "--env", "production"], {
      cwd: dir,
      env: {
        ...env,
        POLAR_CLIENT_ID_PROD: clientId,
        POLAR_REGISTRATION_TOKEN_PROD: token,
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`Polar client ${clientId} cannot be read \\(401 invalid_client\\)`),
    );
  });

  test("delete --json", async () => {
    const other = await tempDir();
    const boot = await runBin(
      [
        "bootstrap",
        "--env",
        "production",
        "--name",
        "Tmp",
        "--redirect-uri",
        APP_URI,
        "--out",
        FILE,
      ],
      { cwd: other, env },
    );
    expect(boot.code).toBe(0);
    const id = (await readEnvFile(join(other, FILE))).POLAR_CLIENT_ID_PROD!;
    const result = await runBin(["clients", "delete", id, ...PROD, "--yes", "--json"], {
      cwd: other,
      env,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, action: "deleted", clientId: id });
    await expect(access(join(other, FILE))).resolves.toBeUndefined();
  });
});
