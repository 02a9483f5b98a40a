import type { createPolar } from "@polar-sh/sdk/2026-10";
import { PolarConfigError } from "../errors.js";

/**
 * The `@polar-sh/sdk` entry the kit binds to sessions: one pinned Polar API version, so an SDK
 * upgrade never changes the shapes an app reads without the app choosing it.
 */
export const POLAR_SDK_ENTRY = "@polar-sh/sdk/2026-10";

/** The SDK range the kit is tested with (the optional peer dependency). */
export const POLAR_SDK_RANGE = "^1.0.1";

/** The part of the SDK module the kit uses. */
export interface PolarSdkModule {
  createPolar: typeof createPolar;
}

const loaded = new Map<string, Promise<PolarSdkModule>>();

/**
 * Imports `@polar-sh/sdk` on first use (it is an optional peer dependency: apps that never call
 * Polar's API do not install it). A missing package becomes a {@link PolarConfigError} that
 * says what to install; any other import failure reaches the caller as it is.
 */
export function loadPolarSdk(entry: string = POLAR_SDK_ENTRY): Promise<PolarSdkModule> {
  let pending = loaded.get(entry);
  if (!pending) {
    pending = (import(entry) as Promise<PolarSdkModule>).catch((error: unknown) => {
      loaded.delete(entry);
      throw isModuleNotFound(error) ? sdkMissing() : error;
    });
    loaded.set(entry, pending);
  }
  return pending;
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

function sdkMissing(): PolarConfigError {
  return new PolarConfigError([
    {
      variable: "@polar-sh/sdk",
      problem:
        "is not installed; `polar.api` (calling Polar's API as the signed-in user) needs it.",
      fix: `Install it next to the kit: \`npm install @polar-sh/sdk@${POLAR_SDK_RANGE}\` (or pnpm add / yarn add).`,
    },
  ]);
}
