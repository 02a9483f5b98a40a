import { join } from "node:path";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertNoSecretPrinted, readEnvFile, runBin, tempDir } from "./support.js";

// The preview-deployment recipe of the CLI README: one command registers a client for the
// preview's URL at deploy, one deletes it at teardown.

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, rateLimits: false });
});
afterAll(async () => {
  assertNoSecretPrinted();
  await emulator.close();
});

/** The README's deploy command for one preview. */
const deploy = (pr: number) => [
  ...["bootstrap", "--env", "staging", "--out", ".env.preview", "--yes"],
  ...["--name", `My app (preview ${pr})`],
  ...["--redirect-uri", `https://my-app-pr-${pr}.example.dev/auth/callback`],
];
const TEARDOWN = ["clients", "delete", "--env", "staging", "--env-file", ".env.preview", "--yes"];

/** The client as the emulator has it: 200 with its metadata, or 401/404 once deleted. */
async function readBack(clientId: string, token: string): Promise<number> {
  const response = await fetch(`${emulator.url}/v1/oauth2/register/${clientId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.body?.cancel();
  return response.status;
}

describe("preview deployments", () => {
  test("deploy registers the preview's client (once per preview), teardown deletes it", async () => {
    const dir = await tempDir();
    const env = { POLAR_SERVER: emulator.url }; // in CI: unset, Polar's sandbox
    const registered = emulator.stats().requests.register;
    const first = await runBin(deploy(42), { cwd: dir, env });
    expect(first.code).toBe(0);
    const vars = await readEnvFile(join(dir, ".env.preview"));
    expect(vars.POLAR_REDIRECT_URI_STAGING).toBe("https://my-app-pr-42.example.dev/auth/callback");
    expect(vars.SESSION_SECRET).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { POLAR_CLIENT_ID_STAGING: clientId, POLAR_REGISTRATION_TOKEN_STAGING: token } = vars;
    expect(await readBack(clientId!, token!)).toBe(200);

    // The next push: the same command registers nothing.
    const again = await runBin(deploy(42), { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/is up to date/);
    expect(emulator.stats().requests.register).toBe(registered + 1);

    const teardown = await runBin(TEARDOWN, { cwd: dir, env });
    expect(teardown.stderr).not.toMatch(/error/i);
    expect(teardown.code).toBe(0);
    expect(teardown.stdout).toContain(`Deleted Polar client ${clientId}`);
    expect([401, 404]).toContain(await readBack(clientId!, token!));
  });

  test("teardown from the preview's variables in the environment, without the file", async () => {
    const deployed = await tempDir();
    const env = { POLAR_SERVER: emulator.url };
    expect((await runBin(deploy(43), { cwd: deployed, env })).code).toBe(0);
    const vars = await readEnvFile(join(deployed, ".env.preview"));
    const { POLAR_CLIENT_ID_STAGING: clientId, POLAR_REGISTRATION_TOKEN_STAGING: token } = vars;

    const elsewhere = await tempDir(); // a teardown job: no file, the two variables set
    const teardown = await runBin(["clients", "delete", "--env", "staging", "--yes"], {
      cwd: elsewhere,
      env: { ...env, POLAR_CLIENT_ID_STAGING: clientId!, POLAR_REGISTRATION_TOKEN_STAGING: token! },
    });
    expect(teardown.code).toBe(0);
    expect([401, 404]).toContain(await readBack(clientId!, token!));
  });

  test("teardown with nothing configured names what is missing", async () => {
    const dir = await tempDir();
    // (Node 20 itself exits 9 on `--env-file <missing file>`, whatever the script's arguments.)
    const result = await runBin(["clients", "delete", "--env", "staging", "--yes"], {
      cwd: dir,
      env: { POLAR_SERVER: emulator.url },
    });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain("POLAR_CLIENT_ID_STAGING is not set");
  });
});
