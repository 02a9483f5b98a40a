import { describe, expect, it } from "vitest";
import { isPythonPrivateIPv4, polarAcceptsRedirectUri } from "../src/redirect-uri/polar-rule.js";
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
    "com.example.app://oauth2redirect",
    // urlparse sees an empty fragment, which Authlib's is_valid_url lets through.
    "https://app.example.com/cb#",
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
    // Authlib 1.7.2 is_valid_url: no host → 400 invalid_client_metadata at registration.
    "com.example.app:/cb",
    "urn:ietf:wg:oauth:2.0:oob",
    "javascript:alert(1)",
    "not a url",
  ])("refuses %s", (uri) => {
    expect(polarAcceptsRedirectUri(uri)).toBe(false);
  });

  it("the kit refuses com.example.app:/cb with Polar's reason and a fix that Polar accepts", () => {
    const verdict = validateRedirectUri("com.example.app:/cb", "development");
    expect(verdict).toEqual({
      ok: false,
      problem: expect.stringContaining("Invalid claim: 'redirect_uris'"),
      fix: expect.stringContaining("com.example.app://cb"),
    });
    expect(polarAcceptsRedirectUri("com.example.app://cb")).toBe(true);
    expect(validateRedirectUri("com.example.app://cb", "development")).toEqual({ ok: true });
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

/**
 * Python 3.14's `IPv4Address(host).is_private` (Polar's server/Dockerfile runs python:3.14), from
 * `_private_networks` and `_private_networks_exceptions` in CPython's Lib/ipaddress.py: each
 * network's first and last address, and the addresses just outside it.
 */
const PYTHON_IS_PRIVATE: Array<[string, boolean]> = [
  ["0.0.0.0", true],
  ["0.255.255.255", true],
  ["1.0.0.0", false],
  ["9.255.255.255", false],
  ["10.0.0.0", true],
  ["10.255.255.255", true],
  ["11.0.0.0", false],
  ["100.64.0.1", false],
  ["126.255.255.255", false],
  ["127.0.0.1", true],
  ["128.0.0.0", false],
  ["168.254.0.1", false],
  ["169.253.255.255", false],
  ["169.254.0.0", true],
  ["169.254.255.255", true],
  ["169.255.0.0", false],
  ["171.16.0.1", false],
  ["172.15.255.255", false],
  ["172.16.0.0", true],
  ["172.31.255.255", true],
  ["172.32.0.0", false],
  ["191.0.0.1", false],
  ["192.0.0.0", true],
  ["192.0.0.8", true],
  ["192.0.0.9", false],
  ["192.0.0.10", false],
  ["192.0.0.11", true],
  ["192.0.0.171", true],
  ["192.0.0.255", true],
  ["192.0.1.0", false],
  ["192.0.2.0", true],
  ["192.0.2.255", true],
  ["192.0.3.0", false],
  ["192.1.0.1", false],
  ["192.1.2.1", false],
  ["192.167.255.255", false],
  ["192.168.0.0", true],
  ["192.168.255.255", true],
  ["192.169.0.0", false],
  ["193.0.0.1", false],
  ["193.0.2.1", false],
  ["193.168.0.1", false],
  ["197.18.0.1", false],
  ["198.17.255.255", false],
  ["198.18.0.0", true],
  ["198.19.255.255", true],
  ["198.20.0.0", false],
  ["198.51.99.255", false],
  ["198.51.100.0", true],
  ["198.51.100.255", true],
  ["198.51.101.0", false],
  ["198.52.100.1", false],
  ["199.51.100.1", false],
  ["203.0.112.255", false],
  ["203.0.113.0", true],
  ["203.0.113.255", true],
  ["203.0.114.0", false],
  ["203.1.113.1", false],
  ["204.0.113.1", false],
  ["239.255.255.255", false],
  ["240.0.0.0", true],
  ["255.255.255.255", true],
  // Not IPv4 addresses to Python (ValueError, so `_is_localhost` falls back to the name).
  ["256.0.0.1", false],
  ["10.0.0.256", false],
  ["10.1000.0.1", false],
  ["010.0.0.1", false],
  ["10.0.0", false],
  ["10.0.0.1.2", false],
  ["10.0.0.x", false],
  ["10.0.0.-1", false],
  ["", false],
];

describe("isPythonPrivateIPv4: Python 3.14's IPv4Address.is_private", () => {
  it.each(PYTHON_IS_PRIVATE)("%s → %s", (host, expected) => {
    expect(isPythonPrivateIPv4(host)).toBe(expected);
  });

  it("decides plain http on an address by that rule", () => {
    expect(polarAcceptsRedirectUri("http://192.0.0.100/cb")).toBe(true);
    expect(polarAcceptsRedirectUri("http://192.0.0.9/cb")).toBe(false);
    expect(polarAcceptsRedirectUri("https://192.0.0.9/cb")).toBe(true);
  });
});
