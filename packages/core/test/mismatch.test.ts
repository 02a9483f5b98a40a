import { describe, expect, it } from "vitest";
import { explainRedirectUriMismatch } from "../src/redirect-uri/explain.js";

const REGISTERED = "https://example.com/callback";

/** The explanation, which must exist (the URIs differ). */
function explain(configured: string, registered: readonly string[]) {
  const mismatch = explainRedirectUriMismatch(configured, registered);
  expect(mismatch, `${configured} vs ${registered.join(", ")}`).toBeDefined();
  return mismatch!;
}

describe("explainRedirectUriMismatch", () => {
  it("returns undefined for an exact match", () => {
    expect(explainRedirectUriMismatch(REGISTERED, [REGISTERED])).toBeUndefined();
    expect(
      explainRedirectUriMismatch(REGISTERED, ["http://localhost:3000/callback", REGISTERED]),
    ).toBeUndefined();
  });

  describe("the seed's three near-misses against https://example.com/callback", () => {
    it.each([
      ["https://example.com/callback/", /yours has a trailing slash/],
      ["https://example.com/callback?code=123", /yours has a query string \(\?code=123\)/],
      ["http://example.com/callback", /scheme: yours is http, registered is https/],
    ])("%s", (configured, words) => {
      const mismatch = explain(configured, [REGISTERED]);
      expect(mismatch.closest).toBe(REGISTERED);
      expect(mismatch.differences).toHaveLength(1);
      expect(mismatch.differences[0]).toMatch(words);
      expect(mismatch.summary).toContain(`registered ${REGISTERED}`);
      expect(mismatch.summary).toMatch(words);
    });
  });

  it.each([
    [
      "host",
      "https://www.example.com/callback",
      REGISTERED,
      /host: yours is www\.example\.com, registered is example\.com/,
    ],
    [
      "port",
      "http://localhost:3001/callback",
      "http://localhost:3000/callback",
      /port: yours is 3001, registered is 3000/,
    ],
    [
      "missing port",
      "http://localhost/callback",
      "http://localhost:3000/callback",
      /port: yours is the default, registered is 3000/,
    ],
    [
      "path",
      "https://example.com/auth/callback",
      REGISTERED,
      /path: yours is \/auth\/callback, registered is \/callback/,
    ],
    [
      "host letter case",
      "https://Example.COM/callback",
      REGISTERED,
      /host letter case: yours is Example\.COM, registered is example\.com/,
    ],
    [
      "path letter case",
      "https://example.com/Callback",
      REGISTERED,
      /path letter case: yours is \/Callback, registered is \/callback/,
    ],
    [
      "missing trailing slash",
      "https://example.com/callback",
      "https://example.com/callback/",
      /yours lacks the trailing slash/,
    ],
    [
      "query registered but not configured",
      REGISTERED,
      "https://example.com/callback?x=1",
      /registered one has a query string \(\?x=1\)/,
    ],
    ["fragment", "https://example.com/callback#x", REGISTERED, /fragment/],
  ])("explains a %s difference", (_, configured, registered, words) => {
    const mismatch = explain(configured, [registered]);
    expect(mismatch.closest).toBe(registered);
    expect(mismatch.differences.join("\n")).toMatch(words);
  });

  it.each([
    [
      "https://example.com/callback?a=1",
      "https://example.com/callback?a=2",
      ["query: yours is ?a=1, registered is ?a=2"],
    ],
    ["https://example.com", REGISTERED, ["path: yours is /, registered is /callback"]],
    [REGISTERED, "https://example.com", ["path: yours is /callback, registered is /"]],
    [
      "https://example.com:443/callback",
      REGISTERED,
      [
        "they differ only in spelling: yours is https://example.com:443/callback, registered is https://example.com/callback",
      ],
    ],
    // RFC 8252's private-use scheme has a path but no authority (no "//").
    [
      "com.example.app:/oauth2redirect",
      "com.example.app:/oauth2callback",
      ["path: yours is /oauth2redirect, registered is /oauth2callback"],
    ],
    [
      "http:localhost:3000/auth/callback",
      "http://localhost:3000/auth/callback",
      [
        "they differ only in spelling: yours is http:localhost:3000/auth/callback, registered is http://localhost:3000/auth/callback",
      ],
    ],
    [
      "https://example.com/callback",
      "https://example.com/callback/",
      ["yours lacks the trailing slash"],
    ],
    [
      "http://localhost:3000/callback",
      "http://localhost/callback",
      ["port: yours is 3000, registered is the default"],
    ],
    ["callback", REGISTERED, ["yours (callback) differs from https://example.com/callback"]],
    // The host's letter case is compared without userinfo and port, also in an IPv6 address.
    [
      "https://Example.COM:8443/callback",
      "https://example.com:8443/callback",
      ["host letter case: yours is Example.COM, registered is example.com"],
    ],
    [
      "https://Example.com/callback",
      "https://user@example.com/callback",
      ["host letter case: yours is Example.com, registered is example.com"],
    ],
    [
      "https://[2001:4860::AB]:8443/callback",
      "https://[2001:4860::ab]:8443/callback",
      ["host letter case: yours is [2001:4860::AB], registered is [2001:4860::ab]"],
    ],
    // Hosts that differ beyond letter case but parse the same (IDN): only the spelling differs.
    [
      "https://bücher.example/callback",
      "https://xn--bcher-kva.example/callback",
      [
        "they differ only in spelling: yours is https://bücher.example/callback, registered is https://xn--bcher-kva.example/callback",
      ],
    ],
    // A URL in the query of a URI without authority is not its host or path.
    [
      "com.example.app:/cb?from=https://Example.com/a",
      "com.example.app:/cb?from=https://example.com/b",
      ["query: yours is ?from=https://Example.com/a, registered is ?from=https://example.com/b"],
    ],
  ])("explains %s against %s in exactly these words", (configured, registered, differences) => {
    expect(explain(configured, [registered]).differences).toEqual(differences);
  });

  it("explains Polar's trailing slash after a bare host", () => {
    const mismatch = explain("https://example.com", ["https://example.com/"]);
    expect(mismatch.differences).toEqual([
      "yours lacks the trailing slash Polar adds after a bare host",
    ]);
  });

  it("lists every difference at once", () => {
    const mismatch = explain("http://example.com:8080/callback/?a=1", [REGISTERED]);
    const text = mismatch.differences.join("\n");
    expect(text).toMatch(/scheme/);
    expect(text).toMatch(/port: yours is 8080/);
    expect(text).toMatch(/trailing slash/);
    expect(text).toMatch(/query string/);
  });

  it("joins several differences into one summary sentence", () => {
    expect(explain("http://example.com/callback/", [REGISTERED]).summary).toBe(
      "registered https://example.com/callback — scheme: yours is http, registered is https; yours has a trailing slash.",
    );
  });

  it("prefers the fewest differences, then the nearest spelling", () => {
    const fewest = explain("https://app.example.com/auth/callback", [
      "http://app.example.com:8080/auth/callback",
      "https://app.example.com/auth/callback-for-the-example-app",
    ]);
    expect(fewest.closest).toBe("https://app.example.com/auth/callback-for-the-example-app");
    const nearest = explain("http://localhost:3001/auth/callback", [
      "http://localhost:3999/auth/callback",
      "http://localhost:3000/auth/callback",
    ]);
    expect(nearest.closest).toBe("http://localhost:3000/auth/callback");
  });

  it("chooses the closest among several registered URIs", () => {
    const registered = [
      "https://app-staging.example.com/callback",
      "http://localhost:3000/auth/callback",
      "https://app.example.com/callback",
      "https://app-dev.example.com/callback",
    ];
    const mismatch = explain("https://app.example.com/callback/", registered);
    expect(mismatch.closest).toBe("https://app.example.com/callback");
    expect(mismatch.differences).toEqual(["yours has a trailing slash"]);

    const local = explain("http://localhost:3001/auth/callback", registered);
    expect(local.closest).toBe("http://localhost:3000/auth/callback");
    expect(local.differences).toEqual(["port: yours is 3001, registered is 3000"]);
  });

  it("says when nothing is registered", () => {
    const mismatch = explain(REGISTERED, []);
    expect(mismatch.closest).toBeUndefined();
    expect(mismatch.differences).toEqual(["the client has no registered redirect URI"]);
    expect(mismatch.summary).toContain(REGISTERED);
    expect(mismatch.summary).toMatch(/no redirect URIs/);
  });

  it("still answers for a configured value that is not a URL", () => {
    const mismatch = explain("callback", [REGISTERED]);
    expect(mismatch.closest).toBe(REGISTERED);
    expect(mismatch.summary).toContain("callback");
  });
});
