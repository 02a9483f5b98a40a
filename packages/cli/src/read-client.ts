import {
  getClient,
  PolarApiError,
  type RegisteredClient,
  type RegistrationContext,
} from "@polar-oauth/core/setup";
import { CliError } from "./exit-codes.js";
import type { Output } from "./output.js";
import { withProgress } from "./progress.js";

/**
 * Reads a client back (RFC 7592). A client Polar will not show (400/401/403/404: deleted, or
 * the token belongs to another client) becomes a clear `CLIENT_GONE` error with `fix`; it is
 * never silently re-created.
 */
export async function readClient(
  output: Output,
  clientId: string,
  context: RegistrationContext,
  fix: string,
): Promise<RegisteredClient> {
  try {
    return await withProgress(output, `Reading client ${clientId}`, () =>
      getClient(clientId, context),
    );
  } catch (error) {
    if (error instanceof PolarApiError && [400, 401, 403, 404].includes(error.status)) {
      throw new CliError(
        `Polar client ${clientId} cannot be read (${error.status}${error.error ? ` ${error.error}` : ""}): it was deleted at Polar, or the token used belongs to another client. It was not re-created. Fix: ${fix}`,
        1,
        "CLIENT_GONE",
      );
    }
    throw error;
  }
}
