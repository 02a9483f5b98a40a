import { describe, expect, it } from "vitest";
import { generatePolarToken, hasValidChecksum, TOKEN_PREFIX } from "../src/token-formats.js";

describe("Polar token format", () => {
  it("is prefix + 37 alphanumerics + a 6-character base62 CRC32 checksum", () => {
    const token = generatePolarToken(TOKEN_PREFIX.clientId);
    expect(token).toMatch(/^polar_ci_[A-Za-z0-9]{43}$/);
    expect(hasValidChecksum(token, TOKEN_PREFIX.clientId)).toBe(true);
    const tampered = `${token.slice(0, 12)}${token[12] === "a" ? "b" : "a"}${token.slice(13)}`;
    expect(hasValidChecksum(tampered, TOKEN_PREFIX.clientId)).toBe(false);
  });

  it("is random", () => {
    const tokens = new Set(Array.from({ length: 200 }, () => generatePolarToken("polar_at_u_")));
    expect(tokens.size).toBe(200);
  });
});
