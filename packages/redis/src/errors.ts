import { PolarStoreUnavailableError } from "@polar-oauth/core";

/**
 * Where the store connects, for messages: host and port only, never the rest of the URL (it
 * may hold a user and password).
 */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "localhost"}:${parsed.port || "6379"}`;
  } catch {
    return "REDIS_URL";
  }
}

/** A command that got no answer within `commandTimeoutMs` (the store's own timer). */
export class RedisCommandTimeout extends Error {
  override readonly name = "RedisCommandTimeout";
}

/**
 * Why a Redis call failed, in words an operator can act on. Built from the error's code, its
 * class, or the first word of Redis's reply (`OOM`, `WRONGPASS`, `READONLY`…): never from the
 * client's message, which can quote the server address or a connection string.
 */
export function redisCause(error: unknown, timeoutMs: number): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const kind = (error as object | undefined)?.constructor?.name ?? "";
  // A Redis error reply starts with its code in capitals: `OOM command not allowed…`.
  const reply =
    /^([A-Z]{2,})(?:\s|$)/.exec(String((error as Error | undefined)?.message))?.[1] ?? "";
  if (code === "ECONNREFUSED") return "connection refused (is Redis running there?)";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  if (code === "ECONNRESET" || kind === "SocketClosedUnexpectedlyError")
    return "connection lost (reconnecting)";
  if (error instanceof RedisCommandTimeout || kind === "TimeoutError")
    return `no answer within ${timeoutMs} ms (commandTimeoutMs)`;
  if (code === "ETIMEDOUT" || kind === "ConnectionTimeoutError") return "connection timed out";
  if (kind === "ClientClosedError" || kind === "ClientOfflineError")
    return "not connected (reconnecting)";
  if (
    reply === "WRONGPASS" ||
    reply === "NOAUTH" ||
    /^ERR AUTH\b/.test(String((error as Error)?.message))
  )
    return "authentication failed (check the user and password in REDIS_URL)";
  if (reply === "NOPERM")
    return "permission denied (the Redis user's ACL lacks a command the store uses)";
  if (reply === "OOM") return "out of memory (maxmemory reached, writes refused)";
  if (reply === "READONLY") return "read-only (a replica: point REDIS_URL at the primary)";
  if (reply === "LOADING") return "still loading its data";
  if (reply) return `error reply ${reply}`;
  if (typeof code === "string") return code;
  return kind && kind !== "Error" ? kind : ((error as Error | undefined)?.name ?? "error");
}

/** Runs one Redis call: bounded by `timeoutMs`, any failure mapped to the kit's 503 error. */
export type RedisCall = <T>(command: () => Promise<T>) => Promise<T>;

/**
 * Builds the store's one way to call Redis. Every call (`MULTI` included: node-redis puts no
 * timeout on it) gets the store's own timer, and a failure becomes a
 * `PolarStoreUnavailableError` naming host, port and cause: "Redis at 10.0.0.5:6379: connection
 * refused (is Redis running there?)".
 */
export function createRedisCall(address: string, timeoutMs: number): RedisCall {
  return async <T>(command: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        command(),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new RedisCommandTimeout()), timeoutMs);
        }),
      ]);
    } catch (error) {
      if (error instanceof PolarStoreUnavailableError) throw error;
      throw new PolarStoreUnavailableError(`Redis at ${address}: ${redisCause(error, timeoutMs)}`);
    } finally {
      clearTimeout(timer);
    }
  };
}
