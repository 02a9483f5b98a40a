import { describe, expect, it } from "vitest";
import { polarAcceptsRedirectUri } from "../src/redirect-uri/polar-rule.js";
import { validateRedirectUri } from "../src/redirect-uri/validate.js";

describe("polarAcceptsRedirectUri: Polar's own rule (server/polar/oauth2/schemas.py)", () => {
  it.each([
    "https://app.example.com/cb",
    "myapp://callback",
    "http://localhost:3000/cb",
    "http://app.localhost/cb",
    "http://127.0.0.1/cb",
    "http://10.1.2.3/cb",
    "http://172.20.0.1/cb",
    "http://192.168.0.10/cb",
    "http://169.254.10.10/cb",
    "http://0.0.0.0/cb",
    "https://user@app.example.com/cb",
  ])("accepts %s", (uri) => {
    expect(polarAcceptsRedirectUri(uri)).toBe(true);
  });

  it.each([
    "http://example.com/cb",
    "http://8.8.8.8/cb",
    "http://172.32.0.1/cb",
    "http://[::1]/cb",
    "http://localhost.evil/cb",
    "https://app.example.com/cb#x",
    "javascript:alert(1)",
    "not a url",
  ])("refuses %s", (uri) => {
    expect(polarAcceptsRedirectUri(uri)).toBe(false);
  });

  it("is looser than the kit's rule where safety asks: userinfo, http in production, link-local http", () => {
    for (const [uri, environment] of [
      ["https://user@app.example.com/cb", "development"],
      ["http://localhost:3000/cb", "production"],
      ["http://169.254.10.10/cb", "development"],
    ] as const) {
      expect(polarAcceptsRedirectUri(uri)).toBe(true);
      expect(validateRedirectUri(uri, environment).ok).toBe(false);
    }
  });
});
