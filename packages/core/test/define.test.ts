import { describe, expect, it } from "vitest";
import { definePolarConfig } from "../src/config/define.js";
import type { PolarConfigInput } from "../src/config/schema.js";
import { Secret } from "../src/secret.js";
import { POLAR_SERVERS } from "../src/server/polar-servers.js";
import { configErrorOf, issueFor } from "./support/config-error.js";

const SESSION_SECRET = "a-session-secret-of-at-least-32-characters";

const MINIMAL = {
  clientId: "polar_ci_dev",
  redirectUri: "http://localhost:3000/auth/callback",
} satisfies PolarConfigInput;

/** definePolarConfig with input the type system would refuse (as plain JavaScript callers pass). */
const defineUnchecked = (input: unknown) => definePolarConfig(input as PolarConfigInput);

describe("definePolarConfig: valid options", () => {
  it("applies the same defaults as the environment loader", () => {
    const config = definePolarConfig(MINIMAL);
    expect(config).toMatchObject({
      environment: "development",
      clientId: "polar_ci_dev",
      authMethod: "none",
      scopes: ["openid", "profile", "email"],
      subType: "user",
      startupCheck: "fail",
      timeoutMs: 5000,
    });
    expect(config.server).toBe(POLAR_SERVERS.sandbox);
    expect(config.session).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("defaults the server to production in production", () => {
    const config = definePolarConfig({
      ...MINIMAL,
      environment: "production",
      redirectUri: "https://example.com/auth/callback",
    });
    expect(config.server).toBe(POLAR_SERVERS.production);
  });

  it("accepts a server URL or a resolved PolarServer", () => {
    expect(definePolarConfig({ ...MINIMAL, server: "http://127.0.0.1:4000/" }).server).toEqual({
      kind: "custom",
      url: "http://127.0.0.1:4000",
      metadata: undefined,
    });
    expect(definePolarConfig({ ...MINIMAL, server: POLAR_SERVERS.production }).server).toBe(
      POLAR_SERVERS.production,
    );
  });

  it("accepts Secret instances and strings alike", () => {
    const clientSecret = new Secret("polar_cs_value");
    const config = definePolarConfig({
      ...MINIMAL,
      clientSecret,
      registrationAccessToken: "polar_crt_value",
      session: { secrets: [new Secret(SESSION_SECRET), `${SESSION_SECRET}-old`] },
    });
    expect(config.clientSecret).toBe(clientSecret);
    expect(config.authMethod).toBe("client_secret_post");
    expect(config.registrationAccessToken).toBeInstanceOf(Secret);
    expect(config.registrationAccessToken?.reveal()).toBe("polar_crt_value");
    expect(config.session?.secrets.map((s) => s.reveal())).toEqual([
      SESSION_SECRET,
      `${SESSION_SECRET}-old`,
    ]);
  });

  it("splits a comma-separated session secret string, as in SESSION_SECRET", () => {
    const config = definePolarConfig({
      ...MINIMAL,
      session: { secrets: `${SESSION_SECRET}, ${SESSION_SECRET}-old` },
    });
    expect(config.session?.secrets).toHaveLength(2);
    expect(config.session?.cookieName).toBe("polar_session");
    expect(config.session?.idleTimeoutSeconds).toBe(86_400);
    expect(config.session?.absoluteTimeoutSeconds).toBe(604_800);
  });

  it("accepts scopes as a string or an array", () => {
    expect(definePolarConfig({ ...MINIMAL, scopes: "openid  orders:read" }).scopes).toEqual([
      "openid",
      "orders:read",
    ]);
    expect(definePolarConfig({ ...MINIMAL, scopes: ["openid", "email", "openid"] }).scopes).toEqual(
      ["openid", "email"],
    );
  });
});

describe("definePolarConfig: invalid options", () => {
  it("lists every problem at once, named by option path", () => {
    const error = configErrorOf(() =>
      defineUnchecked({
        environment: "production",
        server: "http://polar.example.com",
        clientId: " ",
        redirectUri: "http://example.com/auth/callback",
        authMethod: "client_secret_basic",
        scopes: ["openid", "profle"],
        subType: "team",
        startupCheck: "sometimes",
        timeoutMs: 0,
        session: { secrets: "short", cookieName: "my cookie" },
      }),
    );
    expect(error.environment).toBe("production");
    expect(error.issues.map((i) => i.variable).sort()).toEqual(
      [
        "server",
        "clientId",
        "clientSecret",
        "redirectUri",
        "scopes",
        "subType",
        "startupCheck",
        "timeoutMs",
        "session.secrets",
        "session.cookieName",
      ].sort(),
    );
    for (const issue of error.issues) {
      expect(issue.variable).not.toMatch(/^[A-Z_]+$/);
      expect(issue.fix).not.toMatch(/POLAR_|SESSION_SECRET/);
      expect(issue.fix.length).toBeGreaterThan(0);
    }
    expect(issueFor(error, "clientSecret").fix).toContain("authMethod=none");
    expect(issueFor(error, "scopes").problem).toContain('did you mean "profile"');
    expect(issueFor(error, "session.secrets").fix).toMatch(/Set session.secrets to at least 32/);
    expect(issueFor(error, "session.cookieName").fix).not.toMatch(/32 random characters/);
  });

  it("names the timeout options inside session by their path", () => {
    const error = configErrorOf(() =>
      defineUnchecked({
        ...MINIMAL,
        session: { secrets: SESSION_SECRET, idleTimeoutSeconds: -1, absoluteTimeoutSeconds: 1.5 },
      }),
    );
    expect(error.issues.map((i) => i.variable).sort()).toEqual([
      "session.absoluteTimeoutSeconds",
      "session.idleTimeoutSeconds",
    ]);
  });

  it("reports an unknown environment and missing required options", () => {
    const error = configErrorOf(() => defineUnchecked({ environment: "prod" }));
    expect(issueFor(error, "environment").problem).toMatch(/development, staging or production/);
    expect(issueFor(error, "clientId").problem).toMatch(/missing/);
    expect(issueFor(error, "redirectUri").problem).toMatch(/missing/);
  });

  it("names the environment it checked against, development by default", () => {
    const error = configErrorOf(() => defineUnchecked({ ...MINIMAL, subType: "team" }));
    expect(error.environment).toBe("development");
    expect(error.message).toContain("(ENVIRONMENT=development)");
  });

  it("refuses an empty session secret list", () => {
    const error = configErrorOf(() => defineUnchecked({ ...MINIMAL, session: { secrets: [] } }));
    expect(issueFor(error, "session.secrets").problem).toMatch(/missing/);
  });

  it("refuses an empty scope list, as an array or a string", () => {
    for (const scopes of [[], " "]) {
      const error = configErrorOf(() => definePolarConfig({ ...MINIMAL, scopes }));
      expect(error.issues).toEqual([
        {
          variable: "scopes",
          problem: "is empty.",
          fix: 'Set scopes to space-separated Polar scopes, e.g. "openid profile email".',
        },
      ]);
    }
  });

  it("refuses scopes that are neither a string nor an array, inventing no scope", () => {
    const error = configErrorOf(() => defineUnchecked({ ...MINIMAL, scopes: 42 }));
    expect(error.issues.map((i) => `${i.variable}: ${i.problem}`)).toEqual([
      "scopes: Invalid input.",
      "scopes: is empty.",
    ]);
  });

  it.each([
    ["null", null],
    ["an object without a URL", { kind: "custom" }],
  ])(
    "refuses a server that is %s with the schema's one issue, adding no other",
    (_what, server) => {
      const error = configErrorOf(() => defineUnchecked({ ...MINIMAL, server }));
      expect(error.issues.map((i) => i.variable)).toEqual(["server"]);
      expect(error.issues).toHaveLength(1);
    },
  );

  it("applies the transport rule to a PolarServer object, quoting its URL", () => {
    const error = configErrorOf(() =>
      definePolarConfig({
        ...MINIMAL,
        server: { kind: "custom", url: "http://polar.example.com", metadata: undefined },
      }),
    );
    expect(error.issues).toEqual([
      {
        variable: "server",
        problem:
          "http://polar.example.com uses plain http on a host that is not loopback: the client secret and tokens would cross the network in clear.",
        fix: "Set server to an https URL, or run the emulator on loopback (http://127.0.0.1:4000).",
      },
    ]);
  });

  it("refuses a secret together with authMethod none", () => {
    const error = configErrorOf(() =>
      definePolarConfig({ ...MINIMAL, clientSecret: new Secret("x"), authMethod: "none" }),
    );
    expect(issueFor(error, "clientSecret").fix).toContain("Remove clientSecret");
  });
});
