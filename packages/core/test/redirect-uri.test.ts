import { describe, expect, it } from "vitest";
import type { Environment } from "../src/environment.js";
import { isLocalHttpHost, validateRedirectUri } from "../src/redirect-uri/validate.js";

const ALL: readonly Environment[] = ["development", "staging", "production"];
const NOT_PRODUCTION: readonly Environment[] = ["development", "staging"];

describe("validateRedirectUri: accepted", () => {
  const accepted: [string, readonly Environment[]][] = [
    // The seed's examples.
    ["https://example.com/auth/callback", ALL],
    ["http://localhost:3000/auth/callback", NOT_PRODUCTION],
    ["http://127.0.0.1:8000/callback", NOT_PRODUCTION],
    // https anywhere, with or without path and port.
    ["https://example.com", ALL],
    ["https://app.example.com:8443/cb", ALL],
    // http for localhost, *.localhost and private IPv4.
    ["http://localhost/cb", NOT_PRODUCTION],
    ["http://app.localhost:3000/cb", NOT_PRODUCTION],
    ["http://a.b.localhost/cb", NOT_PRODUCTION],
    ["http://10.0.0.1/cb", NOT_PRODUCTION],
    ["http://10.255.255.255/cb", NOT_PRODUCTION],
    ["http://172.16.0.1/cb", NOT_PRODUCTION],
    ["http://172.31.255.255/cb", NOT_PRODUCTION],
    ["http://192.168.1.10:3000/cb", NOT_PRODUCTION],
    // Custom (app) schemes with a host, including RFC 8252 reverse-DNS ones.
    ["myapp://cb", ALL],
    ["com.example.app://oauth2redirect", ALL],
  ];
  it.each(
    accepted.flatMap(([uri, environments]) => environments.map((env) => [uri, env] as const)),
  )("%s in %s", (uri, environment) => {
    expect(validateRedirectUri(uri, environment)).toEqual({ ok: true });
  });
});

describe("validateRedirectUri: refused", () => {
  const refused: [string, Environment, RegExp][] = [
    // openid-client strips the query from the token request's redirect_uri (invalid_grant at Polar).
    ["https://app.example.com:8443/cb?tenant=acme", "production", /has a query \(\?…\)/],
    ["https://app.example.com/cb?", "development", /has a query \(\?…\)/],
    ["myapp://cb?x=1", "production", /has a query \(\?…\)/],
    ["http://localhost:3000/auth/callback", "production", /http in production/],
    ["http://127.0.0.1:8000/callback", "production", /http in production/],
    ["http://example.com/callback", "production", /http in production/],
    ["http://example.com/callback", "development", /not example\.com/],
    ["http://localhost.evil/cb", "development", /not localhost\.evil/],
    ["http://localhostevil/cb", "development", /not localhostevil/],
    ["http://localhost./", "development", /only allowed for localhost/],
    ["http://evil-localhost/cb", "development", /only allowed for localhost/],
    ["http://172.15.255.255/cb", "development", /not 172\.15\.255\.255/],
    ["http://172.32.0.1/cb", "development", /not 172\.32\.0\.1/],
    ["http://192.169.0.1/cb", "development", /only allowed for localhost/],
    ["http://11.0.0.1/cb", "development", /only allowed for localhost/],
    ["http://8.8.8.8/cb", "staging", /only allowed for localhost/],
    ["http://10.0.0.1.nip.io/cb", "development", /only allowed for localhost/],
    ["https://example.com/callback#done", "development", /fragment/],
    ["https://example.com/callback#", "development", /fragment/],
    ["https://user@example.com/callback", "development", /userinfo/],
    ["https://user:pass@example.com/callback", "development", /userinfo/],
    ["http://localhost@evil.com/cb", "development", /userinfo/],
    // Only a password, written without "//" (the URL parser still reads userinfo).
    ["https::pass@example.com/callback", "development", /userinfo/],
    ["https:/:pass@example.com/callback", "development", /userinfo/],
    ["https://*.example.com/cb", "development", /wildcard/],
    ["https://*.example.com/cb", "production", /wildcard/],
    // Polar matches exactly: a `*` anywhere would be a literal, never a wildcard.
    ["https://example.com/callback/*", "development", /wildcard/],
    // Polar (Authlib's is_valid_url) refuses a redirect URI without host at registration.
    ["com.example.app:/cb", "development", /no host.*invalid_client_metadata/],
    ["com.example.app:/cb", "production", /no host.*invalid_client_metadata/],
    ["javascript:alert(1)", "development", /javascript: scheme/],
    ["data:text/html,<script>alert(1)</script>", "development", /data: scheme/],
    ["file:///etc/passwd", "development", /file: scheme/],
    ["not a url", "development", /not an absolute URL/],
    ["/auth/callback", "development", /not an absolute URL/],
    ["", "development", /not an absolute URL/],
    ["localhost:3000/callback", "development", /no scheme/],
  ];
  it.each(refused)("%s in %s", (uri, environment, why) => {
    const verdict = validateRedirectUri(uri, environment);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.problem).toMatch(why);
    expect(verdict.fix.length).toBeGreaterThan(0);
  });

  it("quotes the URI in the problem and suggests https", () => {
    const verdict = validateRedirectUri("http://example.com/callback", "development");
    expect(verdict).toMatchObject({
      ok: false,
      problem: expect.stringContaining('"http://example.com/callback"'),
      fix: expect.stringMatching(/https/),
    });
  });
});

describe("isLocalHttpHost", () => {
  it.each([
    ["localhost", true],
    ["app.localhost", true],
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["10.1.2.3", true],
    ["172.16.0.0", true],
    ["172.31.0.0", true],
    ["172.15.0.0", false],
    ["172.32.0.0", false],
    ["192.168.0.1", true],
    ["192.167.0.1", false],
    ["localhost.", false],
    ["localhost.evil", false],
    ["notlocalhost", false],
    ["example.com", false],
    ["1.2.3", false],
  ])("%s → %s", (host, local) => {
    expect(isLocalHttpHost(host)).toBe(local);
  });
});
