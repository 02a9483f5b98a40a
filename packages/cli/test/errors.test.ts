import { chmod, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@polar-oauth/emulator";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  assertNoSecretPrinted,
  expectOneLineError,
  readEnvFile,
  rememberPat,
  runBin,
  tempDir,
} from "./support.js";

let emulator: Emulator;
let dir: string;
let pat: string;

beforeAll(async () => {
  // A low registration limit, so the 429 path is reachable.
  emulator = await startEmulator({ port: 0, rateLimits: { registrationPerHour: 1 } });
  pat = rememberPat(emulator.fixtures.users.find((u) => u.email === "bob@example.com")!.pat);
  dir = await tempDir();
});

afterAll(async () => {
  assertNoSecretPrinted();
  await emulator.close();
});

const run = (args: string[], env: Record<string, string> = {}, cwd = dir) =>
  runBin(args, { cwd, env: { POLAR_SERVER: emulator.url, ...env } });
const NAME = ["--name", "Errors"];

describe.concurrent("bad input: one line, non-zero, no stack", () => {
  test("unknown flag", async () => {
    const result = await run(["bootstrap", "--redirect-url", "https://x.example.com/cb"]);
    expectOneLineError(
      result,
      64,
      /^error: unknown option '--redirect-url'.*Did you mean --redirect-uri\?/,
    );
  });

  test("unknown command and bad choice", async () => {
    expectOneLineError(await run(["bootstrapp"]), 64, /^error: unknown command 'bootstrapp'/);
    expectOneLineError(
      await run(["check", "--env", "prod"]),
      64,
      /argument 'prod' is invalid.*development, staging, production/,
    );
  });

  test("invalid URL", async () => {
    const result = await run(["bootstrap", ...NAME, "--redirect-uri", "localhost:3000/callback"]);
    expectOneLineError(
      result,
      64,
      /^error: --redirect-uri: .*no scheme.*http:\/\/localhost:3000\/callback/,
    );
    const logo = await run([
      "bootstrap",
      ...NAME,
      "--redirect-uri",
      "https://x.example.com/cb",
      "--logo-uri",
      "not a url",
    ]);
    expectOneLineError(
      logo,
      64,
      /^error: --logo-uri: must be an http\(s\) URL\. \(see @polar-oauth\/core\/ERRORS\.md#desired_client_invalid\)$/m,
    );
  });

  test("http redirect URI in production", async () => {
    const result = await run([
      "bootstrap",
      "--env",
      "production",
      ...NAME,
      "--redirect-uri",
      "http://localhost:3000/callback",
      "--out",
      "prod.env",
    ]);
    expectOneLineError(
      result,
      64,
      /^error: --redirect-uri: "http:\/\/localhost:3000\/callback": it uses http in production\. Use https.*\(Polar itself would register it; polar-oauth refuses it on purpose/,
    );
  });

  test("unknown scope", async () => {
    const result = await run([
      "bootstrap",
      ...NAME,
      "--redirect-uri",
      "https://x.example.com/cb",
      "--scope",
      "openid orders:reed",
    ]);
    expectOneLineError(
      result,
      64,
      /^error: --scope: "orders:reed" is not a Polar scope; did you mean "orders:read"\? \(see @polar-oauth\/core\/ERRORS\.md#desired_client_invalid\)$/m,
    );
  });

  test("bad --server", async () => {
    const result = await run([
      "bootstrap",
      ...NAME,
      "--redirect-uri",
      "https://x.example.com/cb",
      "--server",
      "staging",
    ]);
    expectOneLineError(
      result,
      64,
      /^error: --server "staging" is neither production, sandbox nor an http\(s\) URL/,
    );
  });

  test("no desired client", async () => {
    expectOneLineError(
      await run(["bootstrap"]),
      64,
      /No client described for development: pass --name and --redirect-uri/,
    );
  });

  test("listing with no client known to the project", async ({ expect }) => {
    const empty = await tempDir();
    const result = await run(["clients", "list"], {}, empty);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^No client known to this project/m);
    expect(result.stdout).toMatch(/Polar shows the clients owned by your account .* dashboard/);
    expect(result.stdout).not.toMatch(/POLAR_ACCESS_TOKEN/);
  });

  test("unreachable server", async () => {
    const result = await run(
      ["bootstrap", ...NAME, "--redirect-uri", "https://x.example.com/cb", "--out", "u.env"],
      {
        POLAR_SERVER: "http://127.0.0.1:9",
      },
    );
    expectOneLineError(
      result,
      1,
      /^error: Polar server unreachable at http:\/\/127\.0\.0\.1:9: connection failed.* Fix: check --server/,
    );
  });

  test("--no-register refuses to register (release commands)", async () => {
    const empty = await tempDir();
    const result = await run(
      ["bootstrap", ...NAME, "--redirect-uri", "https://x.example.com/cb", "--no-register"],
      {},
      empty,
    );
    expectOneLineError(
      result,
      1,
      /^error: No POLAR_CLIENT_ID_DEV for development .* --no-register forbids registering one/,
    );
  });

  test("a server error", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(503, { "content-type": "application/json" }).end('{"detail":"maintenance"}');
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await run(
        ["bootstrap", ...NAME, "--redirect-uri", "https://x.example.com/cb", "--out", "e.env"],
        {
          POLAR_SERVER: `http://127.0.0.1:${port}`,
        },
      );
      expectOneLineError(
        result,
        1,
        /^error: Polar answered 503 on client registration: a server error\. Nothing was changed; try again later\. \(see @polar-oauth\/core\/ERRORS\.md#polar_api_error\)$/m,
      );
    } finally {
      server.close();
    }
  });

  test("--debug adds the stack, still without secrets", async ({ expect }) => {
    const result = await run(["clients", "get", "polar_ci_nope", "--debug"], {
      POLAR_ACCESS_TOKEN: pat,
      POLAR_CLIENT_ID_DEV: "polar_ci_nope",
      POLAR_REGISTRATION_TOKEN_DEV: "polar_crt_not_this_clients",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Polar client polar_ci_nope cannot be read/);
    expect(result.stderr).toMatch(/\n\s+at /);
  });
});

describe("files and rate limit", () => {
  test("malformed and read-only --out files are refused before registering", async () => {
    const registrations = emulator.stats().requests.register;
    await writeFile(join(dir, "bad.env"), "A=1\nthis is not dotenv\n");
    const malformed = await run([
      "bootstrap",
      ...NAME,
      "--redirect-uri",
      "https://x.example.com/cb",
      "--out",
      "bad.env",
    ]);
    expectOneLineError(
      malformed,
      1,
      /^error: bad\.env is not a valid dotenv file: line 2 is not KEY=VALUE/,
    );

    await writeFile(join(dir, "ro.env"), "A=1\n");
    await chmod(join(dir, "ro.env"), 0o444);
    const readOnly = await run([
      "bootstrap",
      ...NAME,
      "--redirect-uri",
      "https://x.example.com/cb",
      "--out",
      "ro.env",
    ]);
    expectOneLineError(readOnly, 1, /^error: Refusing to write ro\.env: it is read-only/);
    expect(await readFile(join(dir, "ro.env"), "utf8")).toBe("A=1\n");
    expect(emulator.stats().requests.register).toBe(registrations);
  });

  test("a registration 429 says when to retry", async () => {
    const first = await run(
      ["bootstrap", ...NAME, "--redirect-uri", "https://x.example.com/cb", "--out", "first.env"],
      { POLAR_ACCESS_TOKEN: pat },
    );
    expect(first.code).toBe(0);
    // The PAT is ignored with one note (sent, it would be a 403 from Polar).
    expect(first.stdout).toMatch(/^note: POLAR_ACCESS_TOKEN is ignored/m);
    await readEnvFile(join(dir, "first.env"));
    const second = await run(
      ["bootstrap", ...NAME, "--redirect-uri", "https://x.example.com/cb", "--out", "second.env"],
      { POLAR_ACCESS_TOKEN: pat },
    );
    expectOneLineError(
      second,
      1,
      /^error: Polar rate limit: retry after \d+ s \(client registration\)\. Nothing was changed\. \(see @polar-oauth\/core\/ERRORS\.md#polar_rate_limited\)$/m,
    );
    expect(Number(/retry after (\d+) s/.exec(second.stderr)![1])).toBeGreaterThan(3000);
    expect(emulator.stats().rateLimited).toBe(1);
  });
});
