import { PolarConfigError } from "../errors.js";
import type { PolarServerMetadata } from "./polar-servers.js";

/**
 * The discovery metadata field by which the polar-oauth emulator names itself
 * (`"polar_oauth_emulator": true`). Polar's servers never send it. The emulator keeps its own
 * copy of the name; `test/security/emulator-in-production.test.ts` proves they agree.
 */
export const EMULATOR_METADATA_FIELD = "polar_oauth_emulator";

/**
 * The opt-out that lets a production config use the polar-oauth emulator: for tests that run
 * "production" against it, never for a real deployment (its login takes no password).
 */
export const UNSAFE_EMULATOR_IN_PRODUCTION = "POLAR_UNSAFE_EMULATOR_IN_PRODUCTION";

/** True when {@link UNSAFE_EMULATOR_IN_PRODUCTION} is set to `1` or `true`. */
export function allowsEmulatorInProduction(
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const value = env[UNSAFE_EMULATOR_IN_PRODUCTION]?.trim().toLowerCase();
  return value === "1" || value === "true";
}

/** True when a discovery document is the polar-oauth emulator's. */
export function isEmulatorMetadata(metadata: Readonly<PolarServerMetadata>): boolean {
  return metadata[EMULATOR_METADATA_FIELD] === true;
}

/**
 * Refuses the emulator in production (whatever its transport: behind TLS too), unless the
 * config carries the test-only opt-out. Throws a {@link PolarConfigError} naming POLAR_SERVER
 * and the fix.
 */
export function refuseEmulatorInProduction(
  metadata: Readonly<PolarServerMetadata>,
  config: {
    environment: string;
    server: { url: string };
    unsafeEmulatorInProduction?: boolean | undefined;
  },
): void {
  if (config.environment !== "production" || config.unsafeEmulatorInProduction) return;
  if (!isEmulatorMetadata(metadata)) return;
  throw new PolarConfigError(
    [
      {
        variable: "POLAR_SERVER",
        problem: `${config.server.url} is the polar-oauth emulator (its discovery document says "${EMULATOR_METADATA_FIELD}": true), not Polar: anyone can sign in there as anyone, without a password.`,
        fix: `Set POLAR_SERVER to production (or unset it). The emulator is for development and tests; a test that must run "production" against it sets ${UNSAFE_EMULATOR_IN_PRODUCTION}=1.`,
      },
    ],
    config.environment,
  );
}
