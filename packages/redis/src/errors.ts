import { PolarStoreUnavailableError } from "@polar-oauth/core";

/**
 * Turns whatever the Redis client threw (closed socket, timeout, refused connection) into the
 * kit's 503 error. Only the error's code or name is kept: a client's message can quote the
 * server address or a connection string.
 */
export function unavailable(error: unknown): PolarStoreUnavailableError {
  if (error instanceof PolarStoreUnavailableError) return error;
  const code = (error as { code?: unknown })?.code;
  // node-redis's own errors (ClientClosedError, ClientOfflineError, TimeoutError) keep the
  // name "Error": their class says more.
  const kind = (error as object | undefined)?.constructor?.name;
  const name = kind && kind !== "Error" ? kind : ((error as Error)?.name ?? "error");
  return new PolarStoreUnavailableError(
    `Redis did not answer (${typeof code === "string" ? code : name})`,
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
