import { spawn } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, expect, test } from "vitest";
import { assertNoSecretPrinted, BIN, captured, modeOf, readEnvFile, tempDir } from "./support.js";

const README = resolve(dirname(fileURLToPath(import.meta.url)), "../README.md");

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, rateLimits: false });
});
afterAll(async () => {
  assertNoSecretPrinted();
  await emulator.close();
});

/** The README's quick-start block, as a reader would paste it. */
async function quickStart(): Promise<string> {
  const text = await readFile(README, "utf8");
  const block = /<!-- example:start[^>]*-->\s*```sh\n([\s\S]*?)```\s*<!-- example:end -->/.exec(
    text,
  );
  if (!block?.[1]) throw new Error("README quick-start block not found");
  return block[1];
}

test("the README quick start runs as written", async () => {
  const script = (await quickStart()).replace("http://127.0.0.1:4000", emulator.url);
  expect(script).toContain(`npx polar-oauth bootstrap --server ${emulator.url} `);
  const dir = await tempDir();
  // The project's own `polar-oauth`, as after `npm install -D @polar-oauth/cli`: npx runs the
  // local bin and downloads nothing.
  await writeFile(join(dir, "package.json"), '{ "name": "readme-app", "private": true }\n');
  await mkdir(join(dir, "node_modules", ".bin"), { recursive: true });
  const bin = join(dir, "node_modules", ".bin", "polar-oauth");
  await writeFile(bin, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  await chmod(bin, 0o755);
  const result = await new Promise<{ code: number | null; output: string }>((done) => {
    const child = spawn("bash", ["-euo", "pipefail", "-c", script], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        npm_config_offline: "true",
        npm_config_update_notifier: "false",
      },
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
  captured.push({ args: ["README quick start"], text: result.output });
  expect(result.output).toMatch(/✓ Registered Polar client polar_ci_\w+ \(development\)/);
  expect(result.output).toMatch(/is up to date/);
  expect(result.output).toMatch(
    /✓ Polar client polar_ci_\w+ \(development\) accepts redirect URI http:\/\/localhost:3000\/auth\/callback/,
  );
  expect(result.code).toBe(0);
  expect(emulator.stats().requests.register).toBe(1);
  const file = join(dir, ".env.development.local");
  expect(await modeOf(file)).toBe(0o600);
  const vars = await readEnvFile(file);
  expect(Object.keys(vars).sort()).toEqual([
    "POLAR_CLIENT_ID_DEV",
    "POLAR_CLIENT_SECRET_DEV",
    "POLAR_REDIRECT_URI_DEV",
    "POLAR_REGISTRATION_TOKEN_DEV",
    "POLAR_SERVER",
    "SESSION_SECRET",
  ]);
  expect(vars.POLAR_SERVER).toBe(emulator.url);
});
