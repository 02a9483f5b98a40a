import { randomInt } from "node:crypto";
import { crc32 } from "node:zlib";

/**
 * Polar's prefixes for identifiers and secrets. Only user tokens are issued
 * (`server/polar/oauth2/constants.py` keeps `polar_at_o_` for legacy tokens only).
 */
export const TOKEN_PREFIX = {
  clientId: "polar_ci_",
  clientSecret: "polar_cs_",
  registrationAccessToken: "polar_crt_",
  authorizationCode: "polar_ac_",
  accessToken: "polar_at_u_",
  refreshToken: "polar_rt_u_",
} as const;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function base62Checksum(body: string): string {
  let value = crc32(body) >>> 0;
  let encoded = "";
  while (value > 0) {
    encoded = BASE62[value % 62] + encoded;
    value = Math.floor(value / 62);
  }
  return encoded.padStart(6, "0");
}

/** A token shaped like Polar's: prefix + 37 random alphanumerics + 6-character base62 CRC32 checksum. */
export function generatePolarToken(prefix: string): string {
  let body = "";
  for (let i = 0; i < 37; i++) body += RANDOM_ALPHABET[randomInt(RANDOM_ALPHABET.length)];
  return `${prefix}${body}${base62Checksum(body)}`;
}

/** True when `token` has the prefix and a checksum that matches its random part. */
export function hasValidChecksum(token: string, prefix: string): boolean {
  if (!token.startsWith(prefix)) return false;
  const rest = token.slice(prefix.length);
  if (rest.length !== 43) return false;
  return base62Checksum(rest.slice(0, 37)) === rest.slice(37);
}
