import { describe, expect, it } from "vitest";
import { assertTrustworthyCredentials } from "../src/server-answer.js";
import { describeWeakSecret } from "../src/weak-secret.js";

const id = `polar_ci_${"a".repeat(43)}`;
const secret = `polar_cs_${"b".repeat(43)}`;
const token = `polar_crt_${"c".repeat(43)}`;

describe("assertTrustworthyCredentials", () => {
  it("accepts Polar-shaped values and a valid redirect URI", () => {
    expect(() =>
      assertTrustworthyCredentials([
        ["POLAR_CLIENT_ID_DEV", id],
        ["POLAR_CLIENT_SECRET_DEV", secret],
        ["POLAR_REGISTRATION_TOKEN_DEV", token],
        ["POLAR_REDIRECT_URI_DEV", "http://localhost:3000/auth/callback"],
        ["POLAR_PREVIOUS_CLIENT_ID_DEV", id],
        ["POLAR_PREVIOUS_REGISTRATION_TOKEN_DEV", token],
      ]),
    ).not.toThrow();
  });

  it.each([
    ["POLAR_CLIENT_ID_PROD", `${id}\n`],
    ["POLAR_CLIENT_ID_PROD", secret],
    ["POLAR_CLIENT_SECRET_PROD", `polar_cs_${"b".repeat(129)}`],
    ["POLAR_CLIENT_SECRET_PROD", "polar_cs_short"],
    ["POLAR_REGISTRATION_TOKEN_PROD", `${token}'`],
    ["POLAR_PREVIOUS_CLIENT_ID_PROD", `${id}\r`],
    ["POLAR_REDIRECT_URI_PROD", "https://shop.example.com/cb#x"],
    ["POLAR_REDIRECT_URI_PROD", "https://shop.example.com/cb\tx"],
    ["POLAR_REDIRECT_URI_PROD", "https://shop.example.com/$x"],
  ])("refuses %s = %j without quoting it", (variable, value) => {
    expect(() => assertTrustworthyCredentials([[variable, value]])).toThrow(
      new RegExp(`Refusing the Polar server's answer: .*${variable}`),
    );
    try {
      assertTrustworthyCredentials([[variable, value]]);
    } catch (error) {
      expect((error as Error).message).not.toContain(value);
    }
  });
});

describe("describeWeakSecret", () => {
  it.each([
    "u0JQ8pK1mZ3rV6yB2xN9cT4wF7hL5gD0sA8eR1iO3qU=",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "kR7vQ2mX9pL4wN8sT1yB6cF3hJ5dG0zAeUx9Wq3Ln",
  ])("random %s: nothing", (value) => {
    expect(describeWeakSecret(value)).toBeUndefined();
  });

  it.each([
    ["x".repeat(32), /distinct/],
    ["Zq8Wv2Lm4Tn6Rb1Kc3Hd5Fg7Js9QQQQQpP", /identical/],
    ["Zq8Wv2Lm4TZq8Wv2Lm4TZq8Wv2Lm4TZq8W", /repeated block/],
    ["Zq8Wv2Lm4Tn6Rb1Kc3Hd5-987654-Fg7Js9", /consecutive/],
    ["Zq8Wv2Lm4Tn6Rb1Kc3Hd-ChangeMe-Fg7Js9", /common words/],
  ])("%s: %s", (value, reason) => {
    expect(describeWeakSecret(value)).toMatch(reason);
  });
});
