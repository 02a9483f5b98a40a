import { createHash } from "node:crypto";
import { sealData, unsealData } from "iron-session";

/** The id core gives a session password (so a test can seal/unseal like the kit does). */
export function passwordId(password: string): string {
  return String(createHash("sha256").update(password).digest().readUInt32BE(0) + 1);
}

/** Unseals a cookie value the kit sealed with `secret`. */
export function unsealWith(seal: string, secret: string): Promise<Record<string, unknown>> {
  return unsealData<Record<string, unknown>>(seal, {
    password: { [passwordId(secret)]: secret },
  });
}

/** Seals `value` with `secret` the way the kit does (optionally under another password id). */
export function sealWith(
  value: unknown,
  secret: string,
  options: { id?: string; ttlSeconds?: number } = {},
): Promise<string> {
  return sealData(value as Record<string, unknown>, {
    password: { [options.id ?? passwordId(secret)]: secret },
    ttl: options.ttlSeconds ?? 3600,
  });
}

/** A clock the kit reads; tests move it instead of sleeping. */
export function fakeClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (seconds: number) => {
      offset += seconds * 1000;
    },
  };
}

/** Flips one character of a cookie value in the middle (keeps it cookie-safe). */
export function flipChar(value: string, at = Math.floor(value.length / 2)): string {
  const c = value[at]!;
  const replacement = c === "A" ? "B" : "A";
  return value.slice(0, at) + replacement + value.slice(at + 1);
}
