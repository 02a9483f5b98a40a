import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../src/http.js";
import {
  DEFAULT_SCOPES,
  describeUnknownScope,
  editDistance,
  isPolarScope,
  POLAR_SCOPES,
  parseScopes,
  suggestScope,
} from "../src/scopes.js";

describe("parseRetryAfter", () => {
  const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");

  it.each([
    ["120", 120],
    ["0", 0],
    [" 7 ", 7],
    ["Wed, 21 Oct 2015 07:29:00 GMT", 60],
    ["Wed, 21 Oct 2015 07:28:00 GMT", 0],
    ["Wed, 21 Oct 2015 07:28:00 GMT".replace("07:28:00", "07:28:01"), 1],
    // A date in the past means "now", never a negative wait.
    ["Wed, 21 Oct 2015 07:00:00 GMT", 0],
    // The obsolete RFC 850 form is still a date.
    ["Wednesday, 21-Oct-15 07:30:00 GMT", 120],
  ])("%j → %s", (value, seconds) => {
    expect(parseRetryAfter(value, now)).toEqual(seconds);
  });

  it("rounds a fractional wait up", () => {
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:01 GMT", now - 500)).toBe(2);
  });

  it.each([null, "", "   ", "soon", "-5", "1.5", "5s", "1e3", "12 34"])(
    "%j → undefined (not a delay Polar could mean)",
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );
});

describe("scopes", () => {
  it("knows Polar's scopes and the default", () => {
    expect(POLAR_SCOPES).toContain("openid");
    expect(POLAR_SCOPES).toContain("notification_recipients:write");
    expect(POLAR_SCOPES).toHaveLength(61);
    expect(DEFAULT_SCOPES).toEqual(["openid", "profile", "email"]);
    expect(isPolarScope("orders:read")).toBe(true);
    expect(isPolarScope("Orders:read")).toBe(false);
    expect(isPolarScope("payments:write")).toBe(false);
  });

  it.each([
    ["openid profile email", ["openid", "profile", "email"]],
    ["  openid\t\nemail  ", ["openid", "email"]],
    ["openid openid email", ["openid", "email"]],
    ["", []],
    ["   ", []],
  ])("parseScopes(%j) → %j", (value, scopes) => {
    expect(parseScopes(value)).toEqual(scopes);
  });

  it.each([
    ["profle", "profile"],
    ["opnid", "openid"],
    ["OpenID", "openid"],
    ["emial", "email"],
    ["products:reed", "products:read"],
    ["product:read", "products:read"],
    ["orders_read", "orders:read"],
    ["organization:read", "organizations:read"],
    ["webhook:write", "webhooks:write"],
    ["license_key:read", "license_keys:read"],
  ])("suggestScope(%j) → %j", (typo, scope) => {
    expect(suggestScope(typo)).toBe(scope);
  });

  it.each(["banana", "admin", "everything:admin", "x"])("suggestScope(%j) → nothing", (word) => {
    expect(suggestScope(word)).toBeUndefined();
  });

  it("describes an unknown scope with and without a suggestion", () => {
    expect(describeUnknownScope("profle")).toBe(
      '"profle" is not a Polar scope; did you mean "profile"?',
    );
    expect(describeUnknownScope("banana")).toBe('"banana" is not a Polar scope.');
  });

  it("computes edit distances", () => {
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });
});
