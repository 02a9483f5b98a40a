import { describe, expect, it } from "vitest";
import { cookieNameFor } from "../src/http/cookies.js";
import { checkServerTransport, isLoopbackHost } from "../src/server/transport.js";

describe("cookieNameFor", () => {
  it.each([
    ["polar_session", true, "__Host-polar_session"],
    ["polar_session", false, "polar_session"],
    ["__Host-shop", true, "__Host-shop"],
    ["__Host-shop", false, "shop"],
    ["__host-shop", true, "__Host-shop"],
    ["__Secure-shop", true, "__Host-shop"],
    ["__SECURE-shop", false, "shop"],
  ])("%s (secure %s) → %s", (configured, secure, name) => {
    expect(cookieNameFor(configured, secure)).toBe(name);
  });
});

describe("isLoopbackHost", () => {
  it.each([
    ["localhost", true],
    ["LOCALHOST", true],
    ["app.localhost", true],
    ["127.0.0.1", true],
    ["127.255.0.9", true],
    ["[::1]", true],
    ["10.0.0.5", false],
    ["192.168.1.1", false],
    ["0.0.0.0", false],
    ["127.0.0.1.nip.io", false],
    ["localhost.evil.example", false],
    ["127.0.0.256", false],
  ])("%s → %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe("checkServerTransport", () => {
  it("https everywhere; http on loopback outside production; production http only with the opt-out on loopback", () => {
    expect(checkServerTransport("https://10.0.0.5", "production").ok).toBe(true);
    expect(checkServerTransport("http://127.0.0.1:4000", "development").ok).toBe(true);
    expect(checkServerTransport("http://10.0.0.5", "staging").ok).toBe(false);
    expect(checkServerTransport("http://127.0.0.1:4000", "production").ok).toBe(false);
    const optOut = { allowHttpLoopbackInProduction: true };
    expect(checkServerTransport("http://127.0.0.1:4000", "production", optOut).ok).toBe(true);
    expect(checkServerTransport("http://10.0.0.5", "production", optOut).ok).toBe(false);
  });
});
