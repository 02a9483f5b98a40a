import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { dotenvValue, formatCredentials } from "@polar-oauth/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startTinyServer } from "./support/cli.js";

/**
 * The CLI validates what a Polar server answers before it writes anything (issue 12, item 4).
 * A tiny local server plays a malicious or compromised `POLAR_SERVER` and answers the
 * registration with a 201 whose values try to inject a variable into the dotenv file (a
 * second `NODE_OPTIONS=--require=…` line means code execution at the app's next start).
 * The real binary must exit non-zero, write nothing, and print nothing from the answer.
 */
const INJECTION = "NODE_OPTIONS=--require=/tmp/p.js";
const body43 = (c: string) => c.repeat(43);
const WELL_FORMED = {
  client_id: `polar_ci_${body43("a")}`,
  client_secret: `polar_cs_${body43("b")}`,
  registration_access_token: `polar_crt_${body43("c")}`,
};

/** Hostile registration answers: one bad field each, over a well-formed answer. */
const HOSTILE: Array<[string, Record<string, unknown>]> = [
  ["client_secret with quotes and CRs (the issue's)", { client_secret: `x'"\r${INJECTION}\r#` }],
  ["client_secret with a newline", { client_secret: `polar_cs_${body43("b")}\n${INJECTION}` }],
  ["client_secret with a CR only", { client_secret: `polar_cs_${body43("b")}\r${INJECTION}` }],
  ["client_secret of 10,000 characters", { client_secret: `polar_cs_${"b".repeat(10_000)}` }],
  ["client_secret without Polar's prefix", { client_secret: body43("b") }],
  ["client_id with a newline", { client_id: `polar_ci_${body43("a")}\n${INJECTION}` }],
  ["client_id with a space and a quote", { client_id: `polar_ci_${body43("a")}" ${INJECTION}` }],
  [
    "registration_access_token with a U+2028 line separator",
    { registration_access_token: `polar_crt_${body43("c")}\u2028${INJECTION}` },
  ],
  [
    "redirect URI with a newline",
    { redirect_uris: [`https://shop.example.com/auth/callback\n${INJECTION}`] },
  ],
  [
    "redirect URI with a quote and a $",
    { redirect_uris: [`https://shop.example.com/auth/callback?a='"$(id)`] },
  ],
  ["redirect URI javascript:", { redirect_uris: ["javascript:alert(1)//"] }],
];

/** A few injection-shaped answers for the slower cases (an existing file, stdout). */
const INJECTING = HOSTILE.filter(([name]) =>
  /the issue's|secret with a newline|secret with a CR|redirect URI with a newline/.test(name),
);

let hostileAnswer: Record<string, unknown> = {};
let server: Awaited<ReturnType<typeof startTinyServer>>;
beforeAll(async () => {
  server = await startTinyServer((request, body, response) => {
    if (request.method === "POST" && request.url === "/v1/oauth2/register") {
      const metadata = JSON.parse(body) as Record<string, unknown>;
      response.writeHead(201, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          ...metadata,
          ...WELL_FORMED,
          client_id_issued_at: 1,
          client_secret_expires_at: 0,
          ...hostileAnswer,
        }),
      );
      return;
    }
    response.writeHead(404).end();
  });
});
afterAll(() => server.close());

const bootstrap = (cwd: string, extra: string[] = []) =>
  runCli(
    [
      "bootstrap",
      "--redirect-uri",
      "https://shop.example.com/auth/callback",
      "--name",
      "Shop",
      ...extra,
    ],
    cwd,
    { POLAR_SERVER: server.url },
  );

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe("the CLI against a hostile registration answer", () => {
  it.each(HOSTILE)(
    "%s: exit 1, nothing written, nothing printed from the answer",
    async (_, answer) => {
      hostileAnswer = answer;
      const cwd = await mkdtemp(join(tmpdir(), "polar-oauth-hostile-"));
      const target = join(cwd, ".env.development.local");
      const run = await bootstrap(cwd);
      expect(run.code).toBe(1);
      // Refused by the CLI's value checks, or earlier by core's (other redirect URIs than asked for).
      expect(run.stderr).toMatch(
        /Refusing the Polar server's answer: .*Nothing was written\.|client registration answered 201 with .*Nothing was stored/,
      );
      expect(await exists(target)).toBe(false);
      expect(run.stdout + run.stderr).not.toContain("NODE_OPTIONS");
      expect(run.stdout + run.stderr).not.toMatch(/\r/);
      for (const value of Object.values(answer).flat()) {
        expect(run.stdout + run.stderr).not.toContain(String(value));
      }
    },
  );

  it.each(HOSTILE)(
    "%s: an existing dotenv file stays byte for byte as it was",
    async (_, answer) => {
      hostileAnswer = answer;
      const cwd = await mkdtemp(join(tmpdir(), "polar-oauth-hostile-"));
      const target = join(cwd, ".env.development.local");
      const before = "# app settings\nAPP_NAME='Shop'\nPOLAR_CLIENT_ID_DEV=\n";
      await writeFile(target, before, { mode: 0o600 });
      const run = await bootstrap(cwd, ["--out", ".env.development.local"]);
      expect(run.code).toBe(1);
      expect(await readFile(target, "utf8")).toBe(before);
    },
  );

  it.each(INJECTING)("%s: --format dotenv prints nothing on stdout", async (_, answer) => {
    hostileAnswer = answer;
    const cwd = await mkdtemp(join(tmpdir(), "polar-oauth-hostile-"));
    const run = await bootstrap(cwd, ["--format", "dotenv"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(parseEnv(run.stdout)).toEqual({});
  });

  it("a well-formed answer is written and reads back as exactly the expected variables", async () => {
    hostileAnswer = {};
    const cwd = await mkdtemp(join(tmpdir(), "polar-oauth-hostile-"));
    const run = await bootstrap(cwd);
    expect(run.code).toBe(0);
    const written = parseEnv(await readFile(join(cwd, ".env.development.local"), "utf8"));
    expect(written).toEqual({
      POLAR_CLIENT_ID_DEV: WELL_FORMED.client_id,
      POLAR_CLIENT_SECRET_DEV: WELL_FORMED.client_secret,
      POLAR_REGISTRATION_TOKEN_DEV: WELL_FORMED.registration_access_token,
      POLAR_REDIRECT_URI_DEV: "https://shop.example.com/auth/callback",
      // What the app needs beside the credentials (bootstrap makes the file runnable alone).
      POLAR_SERVER: server.url,
      SESSION_SECRET: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const printed = await bootstrap(await mkdtemp(join(tmpdir(), "polar-oauth-hostile-")), [
      "--format",
      "dotenv",
    ]);
    expect(printed.code).toBe(0);
    // Standard output never gets a generated secret.
    const { SESSION_SECRET: _generated, ...printable } = written;
    expect(parseEnv(printed.stdout)).toEqual(printable);
  });
});

describe("dotenv values (file and stdout)", () => {
  it.each([
    "plain_value-1.2",
    "with space",
    "with 'single' quotes",
    'with "double" quotes',
    "back\\slash",
    "dollar $1 (dotenv-expand leaves it)",
    "hash # not a comment",
  ])("%j is quoted so that a dotenv parser reads back exactly it", (value) => {
    const text = formatCredentials([["VALUE", value]], "dotenv");
    expect(parseEnv(`${text}NEXT=1\n`)).toEqual({ VALUE: value, NEXT: "1" });
  });

  it.each([
    ["a newline", `a\n${INJECTION}`],
    ["a carriage return", `a\r${INJECTION}`],
    ["a NUL", "a\u0000b"],
    ["a U+2028", "a\u2028b"],
    ["both quotes and a backslash", `x'"\\${INJECTION}`],
  ])("a value with %s is refused, never written", (_, value) => {
    expect(() => dotenvValue(value, "POLAR_CLIENT_SECRET_DEV")).toThrow(
      /Refusing to write POLAR_CLIENT_SECRET_DEV/,
    );
    expect(() => formatCredentials([["X", value]], "dotenv")).toThrow(/Refusing to write X/);
  });
});
