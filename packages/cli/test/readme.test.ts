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
  expect(script).toContain(`export POLAR_SERVER=${emulator.url}`);
  const dir = await tempDir();
  // `polar-oauth` on PATH, as after `pnpm add -D @polar-oauth/cli`.
  await mkdir(join(dir, "bin"));
  await writeFile(
    join(dir, "bin", "polar-oauth"),
    `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`,
  );
  await chmod(join(dir, "bin", "polar-oauth"), 0o755);
  const result = await new Promise<{ code: number | null; output: string }>((done) => {
    const child = spawn("bash", ["-euo", "pipefail", "-c", script], {
      cwd: dir,
      env: { PATH: `${join(dir, "bin")}:${process.env.PATH}`, HOME: dir },
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
  expect(Object.keys(await readEnvFile(file)).sort()).toEqual([
    "POLAR_CLIENT_ID_DEV",
    "POLAR_CLIENT_SECRET_DEV",
    "POLAR_REDIRECT_URI_DEV",
    "POLAR_REGISTRATION_TOKEN_DEV",
  ]);
});
