import { describe, expect, it } from "vitest";
import { safeReturnTo } from "../src/flow/return-to.js";

const ORIGIN = "https://app.example.com";

describe("safeReturnTo", () => {
  it.each([
    ["/", `${ORIGIN}/`],
    ["/dashboard", `${ORIGIN}/dashboard`],
    ["/search?q=hello%20world#top", `${ORIGIN}/search?q=hello%20world#top`],
    ["/caf\u00e9", `${ORIGIN}/caf%C3%A9`],
  ])("keeps same-origin path %j", (value, expected) => {
    expect(safeReturnTo(value, ORIGIN)).toBe(expected);
  });

  it.each([
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%5Cevil.example",
    "/%252F%252Fevil.example",
    "/.//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/ /evil.example",
    "/%09/evil.example",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
    "evil.example",
    "",
    `/${"a".repeat(3000)}`,
  ])("refuses %j", (value) => {
    expect(safeReturnTo(value, ORIGIN)).toBeUndefined();
  });

  it("refuses non-strings", () => {
    expect(safeReturnTo(undefined, ORIGIN)).toBeUndefined();
    expect(safeReturnTo(["/a"], ORIGIN)).toBeUndefined();
  });
});
