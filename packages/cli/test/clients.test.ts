import { access } from "node:fs/promises";
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

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, rateLimits: false });
  const alice = emulator.fixtures.users.find((user) => user.email === "alice@example.com")!;
  env = { POLAR_SERVER: emulator.url, POLAR_ACCESS_TOKEN: rememberPat(alice.pat) };
  dir = await tempDir();
});

afterAll(async () => {
  assertNoSecretPrinted();
  await emulator.close();
});

const run = (args: string[]) => runBin(args, { cwd: dir, env });

interface ListedClient {
  client_id: string;
  redirect_uris: string[];
  client_name: string;
}

/** The PAT owner's clients, straight from the emulator (the CLI's own list is tested once). */
async function listJson(): Promise<ListedClient[]> {
  const response = await fetch(`${emulator.url}/v1/oauth2/?limit=100`, {
    headers: { authorization: `Bearer ${env.POLAR_ACCESS_TOKEN}` },
  });
  return ((await response.json()) as { items: ListedClient[] }).items;
}

describe("clients and rotate, with a Personal Access Token", () => {
  let clientId: string;

  test("production bootstrap with a PAT creates a new 0600 file", async () => {
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
    expect(await modeOf(join(dir, FILE))).toBe(0o600);
    clientId = (await readEnvFile(join(dir, FILE))).POLAR_CLIENT_ID_PROD!;
    expect(result.stdout).toContain(`Registered Polar client ${clientId} (production)`);
  });

  test("list: table and --json, no secrets", async () => {
    const table = await run(["clients", "list", ...PROD]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^CLIENT ID\s+NAME\s+AUTH METHOD\s+REDIRECT URIS\s+ISSUED$/m);
    expect(table.stdout).toMatch(
      new RegExp(
        `^${clientId} \\*\\s+Shop\\s+client_secret_post\\s+${APP_URI.replace(/\./g, "\\.")}`,
        "m",
      ),
    );
    expect(table.stdout).toMatch(/1 client; \* = production's client\./);
    const json = await run(["clients", "list", ...PROD, "--json"]);
    expect(json.code).toBe(0);
    const clients: ListedClient[] = JSON.parse(json.stdout);
    expect(clients.map((c) => c.client_id)).toEqual([clientId]);
    expect(Object.keys(clients[0]!)).not.toContain("client_secret");
    expect(Object.keys(clients[0]!)).not.toContain("registration_access_token");
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
  });

  test("update: --dry-run changes nothing; then the change lands", async () => {
    const extra = "https://www.example.com/auth/callback";
    const dry = await run(["clients", "update", ...PROD, "--add-redirect-uri", extra, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`+ ${extra}`);
    expect((await listJson())[0]!.redirect_uris).toEqual([APP_URI]);

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
    const [listed] = await listJson();
    expect(listed).toMatchObject({ client_name: "Shop 2", redirect_uris: [APP_URI, extra] });

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

  test("rotate leaves two clients until the old one is deleted", async () => {
    const rotated = await run(["rotate", "--env", "production", "--out", FILE]);
    expect(rotated.code).toBe(0);
    const vars = await readEnvFile(join(dir, FILE));
    const newId = vars.POLAR_CLIENT_ID_PROD!;
    expect(newId).not.toBe(clientId);
    expect(vars.POLAR_PREVIOUS_CLIENT_ID_PROD).toBe(clientId);
    expect(vars.POLAR_PREVIOUS_REGISTRATION_TOKEN_PROD).toMatch(/^polar_crt_/);
    expect(rotated.stdout).toContain(
      `polar-oauth clients delete ${clientId} --env production --env-file ${FILE} --yes`,
    );
    expect((await listJson()).map((c) => c.client_id).sort()).toEqual([clientId, newId].sort());

    // A second rotation before the old client is gone is refused (its token would be lost).
    const again = await run(["rotate", "--env", "production", "--out", FILE]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/previous client .* still recorded/);

    // Not a terminal and no --yes: refuse, change nothing.
    const refused = await run(["clients", "delete", clientId, ...PROD]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/revokes every access and refresh token/);
    expect(refused.stdout).toMatch(/Refusing to delete .* pass --yes/);
    expect(await listJson()).toHaveLength(2);

    const deleted = await run(["clients", "delete", clientId, ...PROD, "--yes"]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`Deleted Polar client ${clientId}`);
    expect((await listJson()).map((c) => c.client_id)).toEqual([newId]);
    const after = await readEnvFile(join(dir, FILE));
    expect(after.POLAR_PREVIOUS_CLIENT_ID_PROD).toBeUndefined();
    expect(after.POLAR_CLIENT_ID_PROD).toBe(newId);

    const check = await run(["check", ...PROD]);
    expect(check.code).toBe(0);
  });

  test("get of a deleted client is a clear error", async () => {
    const result = await run(["clients", "get", clientId, ...PROD]);
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
