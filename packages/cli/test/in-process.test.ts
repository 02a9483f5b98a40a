import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type CliIo, runCli } from "../src/index.js";
import { tempDir } from "./support.js";

/** Start of an ANSI color sequence. */
const ESC = "\u001b[";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, rateLimits: false });
});
afterAll(() => emulator.close());

function io(cwd: string, overrides: Partial<CliIo> & { stdoutTTY?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: { write: (text) => void out.push(text), isTTY: overrides.stdoutTTY ?? false },
    stderr: { write: (text) => void err.push(text), isTTY: false },
    env: { POLAR_SERVER: emulator.url },
    cwd,
    interactive: false,
    ...overrides,
  };
  return { io: value, out, err };
}

const DEV = [
  "bootstrap",
  "--name",
  "In-process",
  "--redirect-uri",
  "http://localhost:3000/auth/callback",
];

test("success is reported only after the credentials are on disk", async () => {
  const dir = await tempDir();
  const file = join(dir, ".env.development.local");
  let checked = false;
  const { io: cli } = io(dir);
  cli.stdout.write = (text) => {
    if (text.includes("Registered Polar client")) {
      // Synchronously, at the moment success is printed:
      expect(readFileSync(file, "utf8")).toMatch(/POLAR_REGISTRATION_TOKEN_DEV=polar_crt_/);
      checked = true;
    }
  };
  expect(await runCli(DEV, cli)).toBe(0);
  expect(checked).toBe(true);
});

test("--format refuses to print secrets to a terminal unless --print-secrets", async () => {
  const dir = await tempDir();
  const refused = io(dir, { stdoutTTY: true });
  expect(await runCli([...DEV, "--format", "dotenv"], refused.io)).toBe(64);
  expect(refused.err.join("")).toMatch(/Refusing to print secrets to a terminal/);
  expect(refused.out.join("")).toBe("");

  const allowed = io(dir, { stdoutTTY: true });
  expect(await runCli([...DEV, "--format", "dotenv", "--print-secrets"], allowed.io)).toBe(0);
  expect(allowed.out.join("")).toMatch(/^POLAR_CLIENT_SECRET_DEV=polar_cs_/m);
});

test("drift on a terminal asks before applying; 'n' leaves it (exit 2), 'y' applies", async () => {
  const dir = await tempDir();
  expect(await runCli(DEV, io(dir).io)).toBe(0);
  const drift = [...DEV, "--redirect-uri", "https://in-process.example.com/cb"];
  const questions: string[] = [];
  const no = io(dir, {
    interactive: true,
    ask: async (q) => {
      questions.push(q);
      return "n";
    },
  });
  expect(await runCli(drift, no.io)).toBe(2);
  expect(questions[0]).toMatch(/Apply these changes to polar_ci_\w+\? \[y\/N\]/);
  const yes = io(dir, { interactive: true, ask: async () => "y" });
  expect(await runCli(drift, yes.io)).toBe(0);
  expect(yes.out.join("")).toMatch(/Updated Polar client/);
});

test("clients delete on a terminal asks, and says Polar soft-deletes without revoking tokens", async () => {
  const dir = await tempDir();
  expect(await runCli(DEV, io(dir).io)).toBe(0);
  const id = /POLAR_CLIENT_ID_DEV=(\S+)/.exec(
    readFileSync(join(dir, ".env.development.local"), "utf8"),
  )![1]!;
  const no = io(dir, { interactive: true, ask: async () => "no" });
  expect(await runCli(["clients", "delete", id], no.io)).toBe(2);
  expect(no.err.join("")).toMatch(/Polar soft-deletes it.*its code revokes none/);
  expect(no.out.join("")).toMatch(/Not deleted/);
  const yes = io(dir, { interactive: true, ask: async () => "yes" });
  expect(await runCli(["clients", "delete", id], yes.io)).toBe(0);
  expect(yes.out.join("")).toMatch(/Deleted Polar client/);
});

test("colors on a TTY, none with NO_COLOR", async () => {
  const dir = await tempDir();
  const tty = io(dir, { stdoutTTY: true });
  await runCli(["doctor"], tty.io);
  expect(tty.out.join("")).toContain(ESC);
  const pipe = io(dir, { stdoutTTY: false });
  await runCli(["doctor"], pipe.io);
  expect(pipe.out.join("")).not.toContain(ESC);
  const plain = io(dir, { stdoutTTY: true });
  plain.io.env = { ...plain.io.env, NO_COLOR: "1" };
  await runCli(["doctor"], plain.io);
  expect(plain.out.join("")).not.toContain(ESC);
  expect(plain.out.join("")).toMatch(/✓|✗/);
});
