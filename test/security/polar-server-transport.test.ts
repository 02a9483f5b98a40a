import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  definePolarConfig,
  loadPolarConfig,
  PolarConfigError,
  type PolarServer,
} from "@polar-oauth/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startTinyServer } from "./support/cli.js";

/**
 * No insecure Polar server (issue 12, item 6). The Polar server receives the client secret,
 * codes and tokens: in production only https; outside production plain http only on loopback
 * (the local emulator), never on a private-network address; the emulator in production is
 * refused unless the loudly named test-only opt-out is set. Errors name the variable and the fix.
 */
const SECRET = "kR7vQ2mX9pL4wN8sT1yB6cF3hJ5dG0zAeUx9Wq3Ln";
const env = (environment: string, server: string, extra: Record<string, string> = {}) => {
  const suffix = { development: "DEV", staging: "STAGING", production: "PROD" }[environment];
  return {
    ENVIRONMENT: environment,
    POLAR_SERVER: server,
    [`POLAR_CLIENT_ID_${suffix}`]: "polar_ci_test",
    [`POLAR_CLIENT_SECRET_${suffix}`]: "polar_cs_test",
    [`POLAR_REDIRECT_URI_${suffix}`]: "https://shop.example.com/auth/callback",
    SESSION_SECRET: SECRET,
    ...extra,
  };
};

function refusal(load: () => unknown, variable: string) {
  let error: unknown;
  try {
    load();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(PolarConfigError);
  const issue = (error as PolarConfigError).issues.find((i) => i.variable === variable);
  expect(issue, `an issue for ${variable}`).toBeDefined();
  return issue!;
}

const PRIVATE_HTTP = [
  "http://10.0.0.5",
  "http://172.16.0.1:8080",
  "http://192.168.1.20:4000",
  "http://polar.internal.example.com",
  // Look-alikes of loopback names.
  "http://127.0.0.1.nip.io",
  "http://localhost.evil.example",
  "http://0.0.0.0:4000",
];
const LOOPBACK_HTTP = [
  "http://127.0.0.1:4000",
  "http://localhost:4000",
  "http://emulator.localhost:4000",
  "http://[::1]:4000",
];

describe("POLAR_SERVER in production (core)", () => {
  it.each([...PRIVATE_HTTP, ...LOOPBACK_HTTP])(
    "refuses %s, naming POLAR_SERVER and the fix",
    (server) => {
      const issue = refusal(() => loadPolarConfig(env("production", server)), "POLAR_SERVER");
      expect(issue.problem).toContain(server.replace(/\/$/, ""));
      expect(issue.problem).toMatch(/plain http in production.*in clear/);
      expect(issue.fix).toMatch(/Set POLAR_SERVER to production \(or another https URL\)/);
    },
  );

  it.each(["production", "https://polar.internal.example.com", "https://10.0.0.5"])(
    "accepts %s",
    (server) => {
      expect(loadPolarConfig(env("production", server)).server.url).toMatch(/^https:/);
    },
  );

  it("the test-only opt-out admits the emulator on loopback, never a private address", () => {
    const optOut = { POLAR_UNSAFE_HTTP_LOOPBACK_IN_PRODUCTION: "1" };
    const config = loadPolarConfig(env("production", "http://127.0.0.1:4000", optOut));
    expect(config.server.url).toBe("http://127.0.0.1:4000");
    const issue = refusal(
      () => loadPolarConfig(env("production", "http://10.0.0.5", optOut)),
      "POLAR_SERVER",
    );
    expect(issue.problem).toMatch(/plain http in production/);
  });

  it("the same rules for programmatic options, a server object included", () => {
    const base = {
      environment: "production" as const,
      clientId: "polar_ci_test",
      clientSecret: "polar_cs_test",
      redirectUri: "https://shop.example.com/auth/callback",
      session: { secrets: SECRET },
    };
    const issue = refusal(
      () => definePolarConfig({ ...base, server: "http://10.0.0.5" }),
      "server",
    );
    expect(issue.fix).toMatch(/Set server to production/);
    const object: PolarServer = { kind: "custom", url: "http://10.0.0.5", metadata: undefined };
    refusal(() => definePolarConfig({ ...base, server: object }), "server");
  });
});

describe("POLAR_SERVER outside production (core)", () => {
  it.each(PRIVATE_HTTP)("refuses %s: plain http only on loopback", (server) => {
    const issue = refusal(() => loadPolarConfig(env("development", server)), "POLAR_SERVER");
    expect(issue.problem).toMatch(/plain http on a host that is not loopback/);
    expect(issue.fix).toMatch(/https URL, or run the emulator on loopback/);
  });

  it.each(LOOPBACK_HTTP)("accepts %s (the emulator)", (server) => {
    expect(loadPolarConfig(env("staging", server)).server.kind).toBe("custom");
  });
});

describe("POLAR_SERVER in the CLI (real binary)", () => {
  let server: Awaited<ReturnType<typeof startTinyServer>>;
  beforeAll(async () => {
    server = await startTinyServer((_request, _body, response) => {
      response.writeHead(404).end();
    });
  });
  afterAll(() => server.close());

  const bootstrap = async (environment: string, polarServer: string, extra = {}) =>
    runCli(
      [
        "bootstrap",
        "--env",
        environment,
        "--redirect-uri",
        "https://shop.example.com/cb",
        "--name",
        "Shop",
      ],
      await mkdtemp(join(tmpdir(), "polar-oauth-transport-")),
      { POLAR_SERVER: polarServer, ...extra },
    );

  it("refuses the emulator in production before any request, naming POLAR_SERVER and the fix", async () => {
    const run = await bootstrap("production", server.url);
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(
      /^error: POLAR_SERVER http:\/\/127\.0\.0\.1:\d+ uses plain http in production: .* Fix: Set POLAR_SERVER to production/,
    );
    expect(server.requests).toEqual([]);
  });

  it("refuses a private-network http server in development before any request", async () => {
    const run = await bootstrap("development", "http://10.0.0.5:4000");
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(
      /POLAR_SERVER http:\/\/10\.0\.0\.5:4000 uses plain http on a host that is not loopback/,
    );
  });

  it("with the opt-out, production reaches the emulator on loopback", async () => {
    await bootstrap("production", server.url, { POLAR_UNSAFE_HTTP_LOOPBACK_IN_PRODUCTION: "1" });
    expect(server.requests).toContain("POST /v1/oauth2/register");
  });
});
