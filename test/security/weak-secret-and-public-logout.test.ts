import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORKS } from "../support/apps.js";
import { signIn, startKit, TestBrowser } from "../support/kit.js";
import { runCli } from "./support/cli.js";

/**
 * Issue 12, item 7. `doctor` warns about a SESSION_SECRET that looks weak (iron derives its
 * keys with one PBKDF2 iteration, so anyone holding a cookie can test guesses offline) and
 * never prints it; logout of a public client clears the session but cannot revoke at Polar,
 * and the README says so.
 */
const README = resolve(dirname(fileURLToPath(import.meta.url)), "../../README.md");

describe("doctor and a weak-looking SESSION_SECRET (real binary)", () => {
  const doctor = async (sessionSecret: string) => {
    const run = await runCli(
      ["doctor", "--json"],
      await mkdtemp(join(tmpdir(), "polar-oauth-doctor-")),
      { SESSION_SECRET: sessionSecret, POLAR_SERVER: "http://127.0.0.1:9" },
    );
    const report = JSON.parse(run.stdout) as {
      checks: Array<{ name: string; ok: boolean | null; detail: string; warning?: boolean }>;
    };
    return { run, warnings: report.checks.filter((c) => c.name === "SESSION_SECRET strength") };
  };

  it.each([
    ["one character repeated", "a".repeat(40), /only 1 distinct characters/],
    ["a short alphabet", "0101101001011010010110100101101001011010", /only 2 distinct/],
    ["a repeated block", "k3Vq9Zr1Twk3Vq9Zr1Twk3Vq9Zr1Twk3Vq9Zr1Tw", /repeated block/],
    [
      "a run of identical characters",
      "Xq7Lp2Wz9Rt4Yb6Nm1Kc8Hd3Fg5Js0AAAAAAeZ",
      /run of 5 or more identical/,
    ],
    ["a keyboard sequence", "Xq7Lp2Wz9Rt4Yb6Nm1Kc8Hd3Fg5J-abcdefgh", /consecutive characters/],
    ["common words", "my-super-session-secret-for-the-shop-app", /common words/],
  ])("%s: a warning that never quotes the secret", async (_, secret, reason) => {
    const { run, warnings } = await doctor(secret);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ ok: null, warning: true });
    expect(warnings[0]!.detail).toMatch(reason);
    expect(warnings[0]!.detail).toMatch(/test guesses offline/);
    expect(run.stdout + run.stderr).not.toContain(secret);
    for (let i = 0; i + 8 <= secret.length; i += 8) {
      expect(run.stdout + run.stderr).not.toContain(secret.slice(i, i + 8));
    }
  });

  it("no warning for `openssl rand -base64 32` or `-hex 32` output; rotated secrets are each checked", async () => {
    expect((await doctor("u0JQ8pK1mZ3rV6yB2xN9cT4wF7hL5gD0sA8eR1iO3qU=")).warnings).toEqual([]);
    expect(
      (await doctor("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")).warnings,
    ).toEqual([]);
    const rotated = await doctor(`u0JQ8pK1mZ3rV6yB2xN9cT4wF7hL5gD0sA8eR1iO3qU=,${"z".repeat(32)}`);
    expect(rotated.warnings).toHaveLength(1);
    expect(rotated.warnings[0]!.detail).toMatch(/secret #2/);
  });
});

describe.each(FRAMEWORKS)("logout of a public client through %s", (framework) => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ rateLimits: false });
  });
  afterAll(() => emulator.close());

  it("clears the session but sends no revocation to Polar (public clients cannot revoke)", async () => {
    const kit = await startKit({ framework, emulator, authMethod: "none" });
    try {
      const browser = new TestBrowser();
      const { callback } = await signIn(browser, kit);
      expect(callback.status).toBe(302);
      emulator.resetStats();
      const logout = await browser.post(`${kit.url}/auth/logout`, { origin: kit.url });
      expect(logout.status).toBe(303);
      expect(emulator.stats().requests.revoke).toBe(0);
      const me = await browser.get(`${kit.url}/auth/me`, { accept: "application/json" });
      expect(me.status).toBe(401);
    } finally {
      await kit.close();
    }
  });
});

describe("README security section", () => {
  it("says logout cannot revoke at Polar for a public client", async () => {
    const readme = await readFile(README, "utf8");
    const start = readme.indexOf("## Security");
    const end = readme.indexOf("\n## ", start + 1);
    const security = readme.slice(start, end === -1 ? undefined : end);
    expect(security).toMatch(/public client[^.]*cannot revoke|cannot revoke[^.]*public client/i);
  });
});
