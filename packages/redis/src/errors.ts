import { PolarStoreUnavailableError } from "@polar-oauth/core";

/**
 * Turns whatever the Redis client threw (closed socket, timeout, refused connection) into the
 * kit's 503 error. Only the error's code or name is kept: a client's message can quote the
 * server address or a connection string.
 */
export function unavailable(error: unknown): PolarStoreUnavailableError {
  if (error instanceof PolarStoreUnavailableError) return error;
  const code = (error as { code?: unknown })?.code;
  const name = (error as Error)?.name;
  return new PolarStoreUnavailableError(
    `Redis did not answer (${typeof code === "string" ? code : (name ?? "error")})`,
  );
}

/** Runs one Redis call, mapping any failure to {@link unavailable}. */
export async function call<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    throw unavailable(error);
  }
}
