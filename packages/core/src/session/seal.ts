import { createHash } from "node:crypto";
import { sealData, unsealData } from "iron-session";
import type { Secret } from "../secret.js";

/** Seals and unseals JSON values with iron (iron-session); the first secret seals, all unseal. */
export interface Sealer {
  seal(value: unknown, ttlSeconds: number): Promise<string>;
  /** The unsealed value, or undefined when the seal is forged, truncated, expired or unknown. */
  unseal(seal: string, ttlSeconds: number): Promise<unknown>;
}

/**
 * Builds a {@link Sealer} over the session secrets. Each secret gets an id derived from its own
 * hash, so prepending a new secret (rotation) keeps every older seal readable.
 */
export function createSealer(secrets: readonly Secret[]): Sealer {
  const passwords: Record<string, string> = {};
  for (const s of secrets) passwords[passwordId(s.reveal())] = s.reveal();
  const first = secrets[0]!.reveal();
  const sealing = { [passwordId(first)]: first };
  return {
    seal: (value, ttlSeconds) => sealData(value, { password: sealing, ttl: ttlSeconds }),
    async unseal(seal, ttlSeconds) {
      if (seal.length === 0 || seal.length > 8192) return undefined;
      try {
        const data = await unsealData<Record<string, unknown>>(seal, {
          password: passwords,
          ttl: ttlSeconds,
        });
        return Object.keys(data).length === 0 ? undefined : data;
      } catch {
        return undefined;
      }
    },
  };
}

/** A stable numeric id for a password (iron-session wants numeric ids and seals with the largest). */
function passwordId(password: string): string {
  return String(createHash("sha256").update(password).digest().readUInt32BE(0) + 1);
}
