import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { definePolarConfig } from "../src/config/define.js";
import { loadPolarConfig } from "../src/config/load.js";
import { Secret, secret } from "../src/secret.js";
import { configErrorOf } from "./support/config-error.js";
import { consoleLogOutput, expectNoSecrets, SECRETS } from "./support/redaction.js";

const ALL_SECRETS = Object.values(SECRETS);

/** A valid production environment holding every kind of secret. */
const PRODUCTION = {
  ENVIRONMENT: "production",
  POLAR_CLIENT_ID_PROD: "polar_ci_prod",
  POLAR_CLIENT_SECRET_PROD: SECRETS.clientSecret,
  POLAR_REDIRECT_URI_PROD: "https://example.com/auth/callback",
  POLAR_REGISTRATION_TOKEN_PROD: SECRETS.registrationToken,
  SESSION_SECRET: `${SECRETS.sessionCurrent},${SECRETS.sessionPrevious}`,
};

describe("the leak detector itself", () => {
  it("catches a secret, or a piece of one, in any rendering", () => {
    expect(() => expectNoSecrets({ token: SECRETS.clientSecret }, ALL_SECRETS)).toThrow();
    expect(() =>
      expectNoSecrets(new Error(`bad ${SECRETS.registrationToken.slice(10, 40)}`), ALL_SECRETS),
    ).toThrow();
    expect(() =>
      expectNoSecrets({ deep: { er: [[{ s: SECRETS.sessionCurrent }]] } }, ALL_SECRETS),
    ).toThrow();
  });
});

describe("Secret", () => {
  const value = new Secret(SECRETS.clientSecret);

  it("reveals its value only through reveal()", () => {
    expect(value.reveal()).toBe(SECRETS.clientSecret);
    expect(value.length).toBe(SECRETS.clientSecret.length);
    expectNoSecrets(value, ALL_SECRETS);
    expectNoSecrets({ nested: { deeper: [value] } }, ALL_SECRETS);
  });

  it("prints as [redacted]", () => {
    expect(String(value)).toBe("[redacted]");
    expect(JSON.stringify({ value })).toBe('{"value":"[redacted]"}');
    expect(inspect(value)).toBe("Secret([redacted])");
  });

  it("secret() wraps strings and passes Secrets through", () => {
    expect(secret(value)).toBe(value);
    expect(secret("x").reveal()).toBe("x");
  });
});

describe("a loaded config never shows a secret", () => {
  const config = loadPolarConfig(PRODUCTION);

  it("holds every secret as a Secret that reveals the value", () => {
    expect(config.clientSecret).toBeInstanceOf(Secret);
    expect(config.clientSecret?.reveal()).toBe(SECRETS.clientSecret);
    expect(config.registrationAccessToken?.reveal()).toBe(SECRETS.registrationToken);
    expect(config.session?.secrets.map((s) => s.reveal())).toEqual([
      SECRETS.sessionCurrent,
      SECRETS.sessionPrevious,
    ]);
  });

  it("shows no secret through console.log, util.inspect, JSON.stringify, String or a template", () => {
    expectNoSecrets(config, ALL_SECRETS);
    expectNoSecrets({ wrapped: { config } }, ALL_SECRETS);
  });

  it("still shows the non-secret settings when printed", () => {
    const printed = consoleLogOutput(config);
    expect(printed).toContain("polar_ci_prod");
    expect(printed).toContain("https://example.com/auth/callback");
    expect(printed).toContain("[redacted]");
    expect(JSON.parse(JSON.stringify(config)).clientSecret).toBe("[redacted]");
  });

  it("is deeply frozen", () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.session)).toBe(true);
    expect(Object.isFrozen(config.session?.secrets)).toBe(true);
    expect(Object.isFrozen(config.scopes)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.server.metadata)).toBe(true);
    const mutable = config as unknown as Record<string, unknown> & {
      scopes: string[];
      session: { cookieName: string };
    };
    expect(() => {
      mutable.clientId = "polar_ci_other";
    }).toThrow(TypeError);
    expect(() => mutable.scopes.push("orders:write")).toThrow(TypeError);
    expect(() => {
      mutable.session.cookieName = "other";
    }).toThrow(TypeError);
    expect(config.clientId).toBe("polar_ci_prod");
  });
});

describe("a config error never shows a secret", () => {
  it.each([
    [
      "secret with auth method none, short rotated session secret",
      {
        ...PRODUCTION,
        POLAR_AUTH_METHOD: "none",
        SESSION_SECRET: `${SECRETS.sessionCurrent},${SECRETS.sessionTooShort}`,
      },
    ],
    ["only a short session secret", { ...PRODUCTION, SESSION_SECRET: SECRETS.sessionTooShort }],
    [
      "secrets in override variables and everything else wrong",
      {
        ENVIRONMENT: "live",
        POLAR_CLIENT_SECRET: SECRETS.clientSecret,
        POLAR_REGISTRATION_TOKEN: SECRETS.registrationToken,
        POLAR_AUTH_METHOD: "none",
        POLAR_SCOPES: "openid profle",
        POLAR_SERVER: "http://polar.example.com",
        POLAR_TIMEOUT_MS: "soon",
        SESSION_SECRET: SECRETS.sessionTooShort,
      },
    ],
    ["valid secrets, missing client id", { ...PRODUCTION, POLAR_CLIENT_ID_PROD: "" }],
  ])("%s", (_, env) => {
    const error = configErrorOf(() => loadPolarConfig(env));
    expect(error.issues.length).toBeGreaterThan(0);
    expectNoSecrets(error, ALL_SECRETS);
    expectNoSecrets(error.issues, ALL_SECRETS);
  });

  it("from definePolarConfig, with secrets as strings and as Secret instances", () => {
    const error = configErrorOf(() =>
      definePolarConfig({
        clientId: "",
        redirectUri: "https://example.com/cb",
        clientSecret: SECRETS.clientSecret,
        authMethod: "none",
        registrationAccessToken: new Secret(SECRETS.registrationToken),
        session: { secrets: [new Secret(SECRETS.sessionCurrent), SECRETS.sessionTooShort] },
      }),
    );
    expect(error.issues.length).toBeGreaterThanOrEqual(3);
    expectNoSecrets(error, ALL_SECRETS);
  });
});

describe("a defined config never shows a secret", () => {
  it("whether secrets are given as strings or Secret instances", () => {
    const config = definePolarConfig({
      environment: "production",
      clientId: "polar_ci_prod",
      clientSecret: new Secret(SECRETS.clientSecret),
      registrationAccessToken: SECRETS.registrationToken,
      redirectUri: "https://example.com/auth/callback",
      session: { secrets: [SECRETS.sessionCurrent, new Secret(SECRETS.sessionPrevious)] },
    });
    expectNoSecrets(config, ALL_SECRETS);
    expect(config.clientSecret?.reveal()).toBe(SECRETS.clientSecret);
    expect(config.registrationAccessToken?.reveal()).toBe(SECRETS.registrationToken);
    expect(config.session?.secrets.map((s) => s.reveal())).toEqual([
      SECRETS.sessionCurrent,
      SECRETS.sessionPrevious,
    ]);
    expect(Object.isFrozen(config.session?.secrets)).toBe(true);
  });
});
