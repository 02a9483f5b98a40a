import { PolarConfigError, type PolarLogger } from "@polar-oauth/core";
import { z } from "zod";

/** Options of `createRedisStore`, as a schema: the types come from it. */
export const redisStoreOptionsSchema = z.object({
  /** `redis://[:password@]host:port[/db]` or `rediss://` (TLS). Default `REDIS_URL`. */
  url: z.string().regex(/^rediss?:\/\/\S+$/, "must start with redis:// or rediss://"),
  /** Prefix of every key and channel, so several apps can share one Redis. Default `polar-oauth:`. */
  prefix: z.string().min(1).max(100).default("polar-oauth:"),
  /**
   * Longest a refresh lock is held. Default: derived from `POLAR_TIMEOUT_MS` (a refresh's
   * slowest allowed Polar calls, plus 1,000 ms); when set, the kit refuses to start with one
   * shorter than that.
   */
  refreshLockMs: z.number().int().min(100).max(300_000).optional(),
  /** Longest an instance waits for another's refresh before answering 503. Default: the lock plus 5,000 ms. */
  refreshWaitMs: z.number().int().min(100).max(300_000).optional(),
  /** How often a waiting instance looks for the winner's result. Default 10 ms. */
  refreshPollMs: z.number().int().min(1).max(1000).default(10),
  /** Longest `ready` waits for the first connection before it rejects (retries go on). Default 10,000 ms. */
  startTimeoutMs: z.number().int().min(10).max(600_000).default(10_000),
  /** Timeout of every Redis command; past it the request answers 503. Default 1,000 ms. */
  commandTimeoutMs: z.number().int().min(10).max(60_000).default(1000),
  /** Most revoked sessions the local mirror holds; past it every check fails closed (logged). Default 100,000. */
  maxRevocations: z.number().int().min(1).max(10_000_000).default(100_000),
  /** How often revocations Redis did not take are written again. Default 1,000 ms. */
  revocationRetryMs: z.number().int().min(10).max(60_000).default(1000),
});

/** What `createRedisStore` accepts (defaults filled in by the schema), and where it logs. */
export type RedisStoreOptions = z.input<typeof redisStoreOptionsSchema> & {
  /** Where the store logs (Redis settings that endanger revocations, pending writes). Default console. */
  logger?: PolarLogger | undefined;
};
/** The options after defaults. */
export type ResolvedRedisStoreOptions = z.output<typeof redisStoreOptionsSchema>;

/**
 * Validates the options, naming each bad one and its fix. The URL's value never appears in
 * an error: it may carry a password.
 */
export function resolveRedisStoreOptions(
  input: Partial<RedisStoreOptions> = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedRedisStoreOptions {
  const { logger: _logger, ...data } = input;
  const parsed = redisStoreOptionsSchema.safeParse({ ...data, url: input.url ?? env.REDIS_URL });
  if (parsed.success) return parsed.data;
  throw new PolarConfigError(
    parsed.error.issues.map((issue) => {
      const path = issue.path.join(".");
      if (path === "url") {
        return {
          variable: input.url === undefined ? "REDIS_URL" : "url",
          problem:
            input.url === undefined && env.REDIS_URL === undefined
              ? "is missing."
              : "is not a Redis URL.",
          fix: "Set it to redis://host:6379 (or rediss:// for TLS, with the password in the URL if any).",
        };
      }
      return { variable: path, problem: `${issue.message}.`, fix: "Fix or drop the option." };
    }),
  );
}
