import { describe, expect, it } from "vitest";
import { loadPolarConfig } from "../src/config/load.js";
import { POLAR_SERVERS } from "../src/server/polar-servers.js";
import { configErrorOf, issueFor, issuesFor } from "./support/config-error.js";

const SESSION_SECRET = "a-session-secret-of-at-least-32-characters";

/** Every per-environment variable set, each with a value that says where it came from. */
const ALL_ENVIRONMENTS = {
  POLAR_CLIENT_ID_DEV: "polar_ci_dev",
  POLAR_CLIENT_SECRET_DEV: "polar_cs_dev",
  POLAR_REDIRECT_URI_DEV: "http://localhost:3000/auth/callback",
  POLAR_REGISTRATION_TOKEN_DEV: "polar_crt_dev",
  POLAR_CLIENT_ID_STAGING: "polar_ci_staging",
  POLAR_CLIENT_SECRET_STAGING: "polar_cs_staging",
  POLAR_REDIRECT_URI_STAGING: "https://staging.example.com/auth/callback",
  POLAR_REGISTRATION_TOKEN_STAGING: "polar_crt_staging",
  POLAR_CLIENT_ID_PROD: "polar_ci_prod",
  POLAR_CLIENT_SECRET_PROD: "polar_cs_prod",
  POLAR_REDIRECT_URI_PROD: "https://example.com/auth/callback",
  POLAR_REGISTRATION_TOKEN_PROD: "polar_crt_prod",
  SESSION_SECRET,
};

/** A minimal valid development environment (public client). */
const DEV = {
  POLAR_CLIENT_ID_DEV: "polar_ci_dev",
  POLAR_REDIRECT_URI_DEV: "http://localhost:3000/auth/callback",
  SESSION_SECRET,
};

describe("loadPolarConfig: which variables each environment reads", () => {
  it.each([
    ["development", "dev", "http://localhost:3000/auth/callback", "sandbox"],
    ["staging", "staging", "https://staging.example.com/auth/callback", "sandbox"],
    ["production", "prod", "https://example.com/auth/callback", "production"],
  ] as const)("ENVIRONMENT=%s reads the _%s variables", (environment, tag, redirectUri, server) => {
    const config = loadPolarConfig({ ...ALL_ENVIRONMENTS, ENVIRONMENT: environment });
    expect(config.environment).toBe(environment);
    expect(config.clientId).toBe(`polar_ci_${tag}`);
    expect(config.clientSecret?.reveal()).toBe(`polar_cs_${tag}`);
    expect(config.redirectUri).toBe(redirectUri);
    expect(config.registrationAccessToken?.reveal()).toBe(`polar_crt_${tag}`);
    expect(config.server).toBe(POLAR_SERVERS[server]);
  });

  it("defaults ENVIRONMENT to development", () => {
    const config = loadPolarConfig(ALL_ENVIRONMENTS);
    expect(config.environment).toBe("development");
    expect(config.clientId).toBe("polar_ci_dev");
  });

  it("accepts ENVIRONMENT with surrounding whitespace", () => {
    expect(loadPolarConfig({ ...ALL_ENVIRONMENTS, ENVIRONMENT: " staging " }).environment).toBe(
      "staging",
    );
  });

  it("lets every unsuffixed variable override the per-environment one", () => {
    const config = loadPolarConfig({
      ...ALL_ENVIRONMENTS,
      ENVIRONMENT: "production",
      POLAR_CLIENT_ID: "polar_ci_override",
      POLAR_CLIENT_SECRET: "polar_cs_override",
      POLAR_REDIRECT_URI: "https://override.example.com/cb",
      POLAR_REGISTRATION_TOKEN: "polar_crt_override",
    });
    expect(config.clientId).toBe("polar_ci_override");
    expect(config.clientSecret?.reveal()).toBe("polar_cs_override");
    expect(config.redirectUri).toBe("https://override.example.com/cb");
    expect(config.registrationAccessToken?.reveal()).toBe("polar_crt_override");
  });

  it("overrides one variable and keeps the per-environment others", () => {
    const config = loadPolarConfig({
      ...ALL_ENVIRONMENTS,
      ENVIRONMENT: "staging",
      POLAR_REDIRECT_URI: "https://preview-42.example.com/auth/callback",
    });
    expect(config.redirectUri).toBe("https://preview-42.example.com/auth/callback");
    expect(config.clientId).toBe("polar_ci_staging");
    expect(config.clientSecret?.reveal()).toBe("polar_cs_staging");
  });

  it("does not fall back to another environment's variables", () => {
    const error = configErrorOf(() =>
      loadPolarConfig({ ...DEV, ENVIRONMENT: "production", POLAR_CLIENT_SECRET_DEV: "x" }),
    );
    expect(error.environment).toBe("production");
    expect(issueFor(error, "POLAR_CLIENT_ID_PROD").problem).toMatch(/missing/);
    expect(issueFor(error, "POLAR_REDIRECT_URI_PROD").problem).toMatch(/missing/);
  });
});

describe("loadPolarConfig: defaults", () => {
  it("fills every default for a minimal development environment", () => {
    const config = loadPolarConfig(DEV);
    expect(config).toMatchObject({
      environment: "development",
      authMethod: "none",
      scopes: ["openid", "profile", "email"],
      subType: "user",
      startupCheck: "fail",
      timeoutMs: 5000,
    });
    expect(config.server.kind).toBe("sandbox");
    expect(config.clientSecret).toBeUndefined();
    expect(config.registrationAccessToken).toBeUndefined();
    expect(config.session?.cookieName).toBe("polar_session");
  });

  it.each([
    ["development", "sandbox"],
    ["staging", "sandbox"],
    ["production", "production"],
  ] as const)("ENVIRONMENT=%s defaults POLAR_SERVER to %s", (environment, kind) => {
    const config = loadPolarConfig({ ...ALL_ENVIRONMENTS, ENVIRONMENT: environment });
    expect(config.server.kind).toBe(kind);
    expect(config.server.url).toBe(POLAR_SERVERS[kind].url);
  });

  it("defaults the auth method to client_secret_post when a secret is set", () => {
    const config = loadPolarConfig({ ...DEV, POLAR_CLIENT_SECRET_DEV: "polar_cs_x" });
    expect(config.authMethod).toBe("client_secret_post");
  });
});

describe("loadPolarConfig: POLAR_SERVER", () => {
  it.each([
    ["production", "production", "https://api.polar.sh"],
    ["sandbox", "sandbox", "https://sandbox-api.polar.sh"],
    [" production ", "production", "https://api.polar.sh"],
    ["http://127.0.0.1:4000", "custom", "http://127.0.0.1:4000"],
    ["http://127.0.0.1:4000/", "custom", "http://127.0.0.1:4000"],
    ["http://localhost:4000", "custom", "http://localhost:4000"],
    ["http://emulator.localhost:4000", "custom", "http://emulator.localhost:4000"],
    ["https://polar.internal.example.com", "custom", "https://polar.internal.example.com"],
  ])("POLAR_SERVER=%j is a %s server at %s", (value, kind, url) => {
    const config = loadPolarConfig({ ...DEV, POLAR_SERVER: value });
    expect(config.server.kind).toBe(kind);
    expect(config.server.url).toBe(url);
    if (kind === "custom") expect(config.server.metadata).toBeUndefined();
    else expect(config.server.metadata?.issuer).toBe("https://polar.sh");
  });

  it("overrides the environment's default server", () => {
    const config = loadPolarConfig({
      ...ALL_ENVIRONMENTS,
      ENVIRONMENT: "production",
      POLAR_SERVER: "sandbox",
    });
    expect(config.server.kind).toBe("sandbox");
  });

  it("refuses http on a non-local host", () => {
    const error = configErrorOf(() =>
      loadPolarConfig({ ...DEV, POLAR_SERVER: "http://polar.example.com" }),
    );
    const issue = issueFor(error, "POLAR_SERVER");
    expect(issue.problem).toContain("http://polar.example.com");
    expect(issue.problem).toMatch(/http/);
    expect(issue.fix).toMatch(/https/);
  });

  it.each(["prod", "ftp://polar.example.com", "https://polar.example.com/?x=1", "polar.sh"])(
    "refuses POLAR_SERVER=%j",
    (value) => {
      const error = configErrorOf(() => loadPolarConfig({ ...DEV, POLAR_SERVER: value }));
      const issue = issueFor(error, "POLAR_SERVER");
      expect(issue.problem).toMatch(/production, sandbox/);
      expect(issue.fix).toMatch(/production, sandbox/);
    },
  );
});

describe("loadPolarConfig: auth method and secret", () => {
  it("accepts client_secret_basic with a secret", () => {
    const config = loadPolarConfig({
      ...DEV,
      POLAR_CLIENT_SECRET_DEV: "polar_cs_x",
      POLAR_AUTH_METHOD: "client_secret_basic",
    });
    expect(config.authMethod).toBe("client_secret_basic");
  });

  it("accepts none without a secret", () => {
    expect(loadPolarConfig({ ...DEV, POLAR_AUTH_METHOD: "none" }).authMethod).toBe("none");
  });

  it("refuses a secret with auth method none, naming the secret's variable", () => {
    const error = configErrorOf(() =>
      loadPolarConfig({ ...DEV, POLAR_CLIENT_SECRET_DEV: "polar_cs_x", POLAR_AUTH_METHOD: "none" }),
    );
    const issue = issueFor(error, "POLAR_CLIENT_SECRET_DEV");
    expect(issue.problem).toMatch(/none/);
    expect(issue.fix).toContain("POLAR_AUTH_METHOD=client_secret_post");
    expect(issue.fix).toContain("Remove POLAR_CLIENT_SECRET_DEV");
  });

  it.each(["client_secret_post", "client_secret_basic"])(
    "refuses %s without a secret",
    (method) => {
      const error = configErrorOf(() =>
        loadPolarConfig({ ...DEV, ENVIRONMENT: "development", POLAR_AUTH_METHOD: method }),
      );
      const issue = issueFor(error, "POLAR_CLIENT_SECRET_DEV");
      expect(issue.problem).toContain(method);
      expect(issue.fix).toContain("POLAR_AUTH_METHOD=none");
    },
  );

  it("names the override variable when the secret came from POLAR_CLIENT_SECRET", () => {
    const error = configErrorOf(() =>
      loadPolarConfig({ ...DEV, POLAR_CLIENT_SECRET: "polar_cs_x", POLAR_AUTH_METHOD: "none" }),
    );
    expect(issueFor(error, "POLAR_CLIENT_SECRET").fix).toContain("Remove POLAR_CLIENT_SECRET,");
    expect(issuesFor(error, "POLAR_CLIENT_SECRET_DEV")).toEqual([]);
  });

  it("refuses an unknown auth method, quoting it", () => {
    const error = configErrorOf(() =>
      loadPolarConfig({ ...DEV, POLAR_AUTH_METHOD: "client_secret_jwt" }),
    );
    const issue = issueFor(error, "POLAR_AUTH_METHOD");
    expect(issue.problem).toContain('"client_secret_jwt"');
    expect(issue.fix).toMatch(/client_secret_post, client_secret_basic or none/);
  });
});

describe("loadPolarConfig: scopes and subject type", () => {
  it("parses space-separated scopes, dropping extra whitespace and duplicates", () => {
    const config = loadPolarConfig({
      ...DEV,
      POLAR_SCOPES: "  openid\temail  orders:read openid\nproducts:read ",
    });
    expect(config.scopes).toEqual(["openid", "email", "orders:read", "products:read"]);
  });

  it.each([
    ["openid profle email", "profile"],
    ["openid products:reed", "products:read"],
    ["openid Email", "email"],
    ["openid order:read", "orders:read"],
  ])("POLAR_SCOPES=%j suggests %j", (value, suggestion) => {
    const error = configErrorOf(() => loadPolarConfig({ ...DEV, POLAR_SCOPES: value }));
    const issue = issueFor(error, "POLAR_SCOPES");
    expect(issue.problem).toContain(`did you mean "${suggestion}"`);
    expect(issue.fix).toContain("openid profile email");
  });

  it("reports each unknown scope, without a suggestion when nothing is close", () => {
    const error = configErrorOf(() =>
      loadPolarConfig({ ...DEV, POLAR_SCOPES: "openid banana everything:admin" }),
    );
    const problems = issuesFor(error, "POLAR_SCOPES").map((i) => i.problem);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('"banana" is not a Polar scope');
    expect(problems[1]).toContain('"everything:admin" is not a Polar scope');
    for (const problem of problems) expect(problem).not.toMatch(/did you mean/);
  });

  it("accepts POLAR_SUB_TYPE=organization", () => {
    expect(loadPolarConfig({ ...DEV, POLAR_SUB_TYPE: "organization" }).subType).toBe(
      "organization",
    );
  });

  it("refuses an unknown POLAR_SUB_TYPE", () => {
    const error = configErrorOf(() => loadPolarConfig({ ...DEV, POLAR_SUB_TYPE: "organisation" }));
    const issue = issueFor(error, "POLAR_SUB_TYPE");
    expect(issue.problem).toContain('"organisation"');
    expect(issue.fix).toMatch(/user or organization/);
  });
});

describe("loadPolarConfig: SESSION_SECRET", () => {
  it("accepts exactly 32 characters and refuses 31", () => {
    expect(
      loadPolarConfig({ ...DEV, SESSION_SECRET: "x".repeat(32) }).session?.secrets,
    ).toHaveLength(1);
    const error = configErrorOf(() => loadPolarConfig({ ...DEV, SESSION_SECRET: "x".repeat(31) }));
    const issue = issueFor(error, "SESSION_SECRET");
    expect(issue.problem).toBe("the secret has 31 characters; at least 32 are needed.");
    expect(issue.fix).toMatch(/openssl rand/);
  });

  it("splits comma-separated secrets for rotation, newest first, trimming each", () => {
    const current = "c".repeat(32);
    const previous = "p".repeat(40);
    const config = loadPolarConfig({ ...DEV, SESSION_SECRET: ` ${current} , ${previous},` });
    expect(config.session?.secrets.map((s) => s.reveal())).toEqual([current, previous]);
  });

  it("names which rotated secret is too short", () => {
    const error = configErrorOf(() =>
      loadPolarConfig({ ...DEV, SESSION_SECRET: `${"c".repeat(32)},short` }),
    );
    expect(issueFor(error, "SESSION_SECRET").problem).toBe(
      "secret #2 has 5 characters; at least 32 are needed.",
    );
  });

  it("is required by default", () => {
    const { SESSION_SECRET: _, ...withoutSession } = DEV;
    const error = configErrorOf(() => loadPolarConfig(withoutSession));
    const issue = issueFor(error, "SESSION_SECRET");
    expect(issue.problem).toMatch(/missing/);
    expect(issue.fix).toMatch(/32/);
  });

  it("is optional with requireSession: false", () => {
    const { SESSION_SECRET: _, ...withoutSession } = DEV;
    const config = loadPolarConfig(withoutSession, { requireSession: false });
    expect(config.session).toBeUndefined();
  });

  it("is ignored entirely with requireSession: false (registration tools need no session)", () => {
    const config = loadPolarConfig({ ...DEV, SESSION_SECRET: "short" }, { requireSession: false });
    expect(config.session).toBeUndefined();
  });
});

describe("loadPolarConfig: other variables", () => {
  it("refuses an unknown ENVIRONMENT, naming the choices", () => {
    const error = configErrorOf(() => loadPolarConfig({ ...DEV, ENVIRONMENT: "prod" }));
    const issue = issueFor(error, "ENVIRONMENT");
    expect(issue.problem).toContain('"prod"');
    expect(issue.fix).toMatch(/development, staging or production/);
  });

  it("reads POLAR_TIMEOUT_MS and POLAR_STARTUP_CHECK", () => {
    const config = loadPolarConfig({
      ...DEV,
      POLAR_TIMEOUT_MS: "2500",
      POLAR_STARTUP_CHECK: "warn",
    });
    expect(config.timeoutMs).toBe(2500);
    expect(config.startupCheck).toBe("warn");
  });

  it.each(["abc", "5s"])("refuses POLAR_TIMEOUT_MS=%j as not a number", (value) => {
    const error = configErrorOf(() => loadPolarConfig({ ...DEV, POLAR_TIMEOUT_MS: value }));
    const issue = issueFor(error, "POLAR_TIMEOUT_MS");
    expect(issue.problem).toBe(`"${value}" is not a number.`);
    expect(issue.fix).toMatch(/milliseconds/);
  });

  it.each(["0", "-1", "1.5", "500000"])("refuses POLAR_TIMEOUT_MS=%j as out of range", (value) => {
    const error = configErrorOf(() => loadPolarConfig({ ...DEV, POLAR_TIMEOUT_MS: value }));
    expect(issueFor(error, "POLAR_TIMEOUT_MS").fix).toMatch(/between 1 and 120000/);
  });

  it("refuses an unknown POLAR_STARTUP_CHECK", () => {
    const error = configErrorOf(() => loadPolarConfig({ ...DEV, POLAR_STARTUP_CHECK: "strict" }));
    expect(issueFor(error, "POLAR_STARTUP_CHECK").fix).toMatch(/fail, warn or off/);
  });

  it("refuses an http redirect URI in production", () => {
    const error = configErrorOf(() =>
      loadPolarConfig({
        ...ALL_ENVIRONMENTS,
        ENVIRONMENT: "production",
        POLAR_REDIRECT_URI_PROD: "http://localhost:3000/auth/callback",
      }),
    );
    const issue = issueFor(error, "POLAR_REDIRECT_URI_PROD");
    expect(issue.problem).toMatch(/http in production/);
    expect(issue.fix).toMatch(/https/);
  });

  it("refuses a redirect URI without its scheme (localhost:3000/…)", () => {
    const error = configErrorOf(() =>
      loadPolarConfig({ ...DEV, POLAR_REDIRECT_URI_DEV: "localhost:3000/callback" }),
    );
    const issue = issueFor(error, "POLAR_REDIRECT_URI_DEV");
    expect(issue.problem).toContain('"localhost:3000/callback"');
    expect(issue.problem).toMatch(/no scheme/);
    expect(issue.fix).toContain("http://localhost:3000/callback");
  });
});

describe("loadPolarConfig: empty and whitespace values are unset", () => {
  it("falls back from a blank override to the per-environment variable", () => {
    const config = loadPolarConfig({
      ...DEV,
      POLAR_CLIENT_ID: "   ",
      POLAR_REDIRECT_URI: "",
      POLAR_CLIENT_SECRET: " ",
    });
    expect(config.clientId).toBe("polar_ci_dev");
    expect(config.redirectUri).toBe("http://localhost:3000/auth/callback");
    expect(config.clientSecret).toBeUndefined();
  });

  it("uses defaults for blank shared variables", () => {
    const config = loadPolarConfig({
      ...DEV,
      POLAR_SERVER: " ",
      POLAR_AUTH_METHOD: "",
      POLAR_SCOPES: "  ",
      POLAR_SUB_TYPE: "",
      POLAR_STARTUP_CHECK: "\t",
      POLAR_TIMEOUT_MS: " ",
      POLAR_CLIENT_SECRET_DEV: "",
      POLAR_REGISTRATION_TOKEN_DEV: " ",
    });
    expect(config).toMatchObject({
      authMethod: "none",
      scopes: ["openid", "profile", "email"],
      subType: "user",
      startupCheck: "fail",
      timeoutMs: 5000,
    });
    expect(config.server.kind).toBe("sandbox");
    expect(config.registrationAccessToken).toBeUndefined();
  });

  it("reports a blank required variable as missing", () => {
    const error = configErrorOf(() =>
      loadPolarConfig({ ...DEV, POLAR_CLIENT_ID_DEV: "  ", SESSION_SECRET: " " }),
    );
    expect(issueFor(error, "POLAR_CLIENT_ID_DEV").problem).toMatch(/missing/);
    expect(issueFor(error, "SESSION_SECRET").problem).toMatch(/missing/);
  });

  it("trims surrounding whitespace from values", () => {
    const config = loadPolarConfig({
      ...DEV,
      POLAR_CLIENT_ID_DEV: "  polar_ci_dev\n",
      POLAR_CLIENT_SECRET_DEV: " polar_cs_x ",
    });
    expect(config.clientId).toBe("polar_ci_dev");
    expect(config.clientSecret?.reveal()).toBe("polar_cs_x");
  });
});

describe("loadPolarConfig: every problem in one error", () => {
  it("lists every problem at once, each naming its variable and a fix", () => {
    const error = configErrorOf(() =>
      loadPolarConfig({
        ENVIRONMENT: "production",
        POLAR_CLIENT_SECRET_PROD: "polar_cs_prod",
        POLAR_AUTH_METHOD: "none",
        POLAR_REDIRECT_URI: "http://example.com/auth/callback",
        POLAR_SERVER: "http://polar.example.com",
        POLAR_SCOPES: "openid profle",
        POLAR_SUB_TYPE: "team",
        POLAR_STARTUP_CHECK: "sometimes",
        POLAR_TIMEOUT_MS: "soon",
        SESSION_SECRET: "too-short",
      }),
    );
    expect(error.code).toBe("POLAR_CONFIG_INVALID");
    expect(error.environment).toBe("production");
    const expected = [
      "POLAR_CLIENT_ID_PROD",
      "POLAR_CLIENT_SECRET_PROD",
      "POLAR_REDIRECT_URI",
      "POLAR_SERVER",
      "POLAR_SCOPES",
      "POLAR_SUB_TYPE",
      "POLAR_STARTUP_CHECK",
      "POLAR_TIMEOUT_MS",
      "SESSION_SECRET",
    ];
    expect(error.issues.map((i) => i.variable).sort()).toEqual([...expected].sort());
    for (const issue of error.issues) {
      expect(issue.problem, issue.variable).toMatch(/\S.*[.?!]$/);
      expect(issue.fix, issue.variable).toMatch(/\S/);
      expect(error.message).toContain(`${issue.variable}: ${issue.problem} Fix: ${issue.fix}`);
    }
    expect(error.message).toMatch(
      /^Polar OAuth configuration has 9 problems \(ENVIRONMENT=production\):/,
    );
  });

  it("still reports the other problems when ENVIRONMENT itself is wrong", () => {
    const error = configErrorOf(() =>
      loadPolarConfig({ ENVIRONMENT: "live", POLAR_SCOPES: "opnid", SESSION_SECRET: "x" }),
    );
    const variables = error.issues.map((i) => i.variable);
    expect(variables).toContain("ENVIRONMENT");
    expect(variables).toContain("POLAR_SCOPES");
    expect(variables).toContain("SESSION_SECRET");
    expect(variables).toContain("POLAR_CLIENT_ID_DEV");
  });

  it("says 1 problem in the singular", () => {
    const error = configErrorOf(() => loadPolarConfig({ ...DEV, POLAR_SUB_TYPE: "team" }));
    expect(error.issues).toHaveLength(1);
    expect(error.message).toMatch(/has 1 problem \(ENVIRONMENT=development\):/);
  });
});
