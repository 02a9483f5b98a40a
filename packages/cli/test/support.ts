import { spawn } from "node:child_process";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { expect } from "vitest";

/** The real binary, as users run it. */
export const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../bin/polar-oauth.js");

/** What a run of the binary printed, and how it ended. */
export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every output captured in this test file, for the secret scan (except runs expected to print secrets). */
export const captured: Array<{ args: string[]; text: string }> = [];

/** Secret values seen in this file (client secrets, registration tokens, PATs). */
export const knownSecrets = new Set<string>();

/**
 * Runs `node bin/polar-oauth.js …args` in `cwd` with a clean environment (PATH, HOME and the
 * emulator-in-production opt-out, plus `env`), stdin closed, stdout/stderr piped (so not a
 * TTY). Output is recorded for the secret scan unless `printsSecrets` is set.
 */
export function runBin(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; printsSecrets?: boolean },
): Promise<BinResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: options.cwd,
        // These suites run "production" against the local emulator over http: the test-only
        // opt-outs (test/security/polar-server-transport.test.ts and
        // emulator-in-production.test.ts check the refusals without them).
        POLAR_UNSAFE_HTTP_LOOPBACK_IN_PRODUCTION: "1",
        POLAR_UNSAFE_EMULATOR_IN_PRODUCTION: "1",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (!options.printsSecrets) captured.push({ args, text: stdout + stderr });
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A fresh temporary working directory. */
export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "polar-oauth-cli-test-"));
}

/** Reads a dotenv file and remembers its secret values for the scan. */
export async function readEnvFile(path: string): Promise<Record<string, string>> {
  const values = parseEnv(await readFile(path, "utf8")) as Record<string, string>;
  for (const [name, value] of Object.entries(values)) {
    if (/SECRET|TOKEN/.test(name) && value) knownSecrets.add(value);
  }
  return values;
}

/** File mode bits (e.g. 0o600). */
export async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

/**
 * Asserts that no captured output contains a known secret. Fails if there is nothing to
 * scan for (so the scan cannot pass vacuously).
 */
export function assertNoSecretPrinted(): void {
  expect(knownSecrets.size).toBeGreaterThan(0);
  expect(captured.length).toBeGreaterThan(0);
  for (const { args, text } of captured) {
    for (const value of knownSecrets) {
      if (text.includes(value)) {
        throw new Error(`a secret was printed by: polar-oauth ${args.join(" ")}`);
      }
    }
  }
}

/** Asserts one-line failure output: non-zero code, no stack trace, and a single `error:` line. */
export function expectOneLineError(result: BinResult, code: number, pattern: RegExp): void {
  expect(result.code).toBe(code);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
}

/** The emulator's fixture PATs, remembered as secrets. */
export function rememberPat(pat: string): string {
  knownSecrets.add(pat);
  return pat;
}
