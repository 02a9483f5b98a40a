import { mkdtemp, stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startTinyServer } from "./support/cli.js";

/**
 * The CLI against a broken (not hostile) Polar: a 201 that is not JSON, a server that never
 * answers, an answer for other redirect URIs than the ones asked for, a confidential client
 * without its secret. Each ends with a clear error, a non-zero exit and no credentials file:
 * a half-registered client must never look like a working one.
 */
const body43 = (c: string) => c.repeat(43);
const REDIRECT_URI = "https://shop.example.com/auth/callback";

type Answer = (metadata: Record<string, unknown>, response: ServerResponse) => void;
const json = (response: ServerResponse, body: unknown) => {
  response.writeHead(201, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
};
const registered = (metadata: Record<string, unknown>) => ({
  ...metadata,
  client_id: `polar_ci_${body43("a")}`,
  client_secret: `polar_cs_${body43("b")}`,
  registration_access_token: `polar_crt_${body43("c")}`,
  client_id_issued_at: 1,
  client_secret_expires_at: 0,
});

let answer: Answer = () => {};
let server: Awaited<ReturnType<typeof startTinyServer>>;
beforeAll(async () => {
  server = await startTinyServer((request, body, response) => {
    if (request.method === "POST" && request.url === "/v1/oauth2/register") {
      answer(JSON.parse(body) as Record<string, unknown>, response);
      return;
    }
    response.writeHead(404).end();
  });
});
afterAll(() => server.close());

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe("the CLI against a broken registration answer", () => {
  it.each<[string, Answer, RegExp]>([
    [
      "a 201 that is not JSON",
      (_m, response) => {
        response.writeHead(201, { "content-type": "text/html" });
        response.end("<html>Created</html>");
      },
      /client registration/i,
    ],
    [
      "a 201 for other redirect URIs than the ones asked for",
      (metadata, response) =>
        json(response, { ...registered(metadata), redirect_uris: ["https://evil.example/cb"] }),
      /redirect/i,
    ],
    [
      "a confidential client without its secret",
      (metadata, response) => {
        const { client_secret: _dropped, ...rest } = registered(metadata);
        json(response, rest);
      },
      /secret/i,
    ],
    [
      "no answer at all (the CLI's timeout)",
      () => {
        // Never answers: the CLI gives up after POLAR_TIMEOUT_MS.
      },
      /unreachable|no answer/i,
    ],
  ])("%s: exit 1 with a clear error, no credentials written", async (_name, broken, reason) => {
    answer = broken;
    const cwd = await mkdtemp(join(tmpdir(), "polar-oauth-broken-"));
    const run = await runCli(["bootstrap", "--redirect-uri", REDIRECT_URI, "--name", "Shop"], cwd, {
      POLAR_SERVER: server.url,
      POLAR_TIMEOUT_MS: "500",
    });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).toMatch(reason);
    expect(run.stdout + run.stderr).not.toContain("polar_cs_");
    expect(run.stdout + run.stderr).not.toContain("polar_crt_");
    expect(run.stdout + run.stderr).not.toMatch(/\bat .*:\d+:\d+/);
    expect(await exists(join(cwd, ".env.development.local"))).toBe(false);
  });
});
