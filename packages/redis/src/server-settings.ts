import type { PolarLogger } from "@polar-oauth/core";
import type { RedisClientType } from "redis";
import type { RedisCall } from "./errors.js";

/**
 * Reads, once at start, the Redis settings that decide whether a revocation can vanish, and
 * warns naming the setting to change: `maxmemory-policy allkeys-*` may evict the revoked set
 * (logged-out cookies would work again), and without `appendonly yes` a Redis restart loses
 * what was written since the last snapshot (the instances write back what they hold, but not
 * if they restart too). Managed Redis often refuses `CONFIG`: then it says so and moves on.
 */
export async function checkRedisSettings(options: {
  client: RedisClientType;
  call: RedisCall;
  address: string;
  logger: PolarLogger;
}): Promise<void> {
  const { client, call, address, logger } = options;
  const read = async (name: string) =>
    (await call(() => client.configGet(name)))[name] as string | undefined;
  let policy: string | undefined;
  let appendonly: string | undefined;
  let save: string | undefined;
  try {
    policy = await read("maxmemory-policy");
    appendonly = await read("appendonly");
    save = await read("save");
  } catch (error) {
    logger.info(
      `could not read the settings of Redis at ${address} (${(error as Error).message}); make sure by hand that maxmemory-policy is noeviction or volatile-* and that appendonly is yes, or revoked sessions can come back.`,
    );
    return;
  }
  if (policy?.startsWith("allkeys-")) {
    logger.warn(
      `Redis at ${address} has maxmemory-policy ${policy}: under memory pressure it may evict the revoked-session set, and logged-out cookies would work again. Set maxmemory-policy to noeviction (or a volatile-* policy).`,
    );
  }
  if (appendonly !== undefined && appendonly !== "yes") {
    const snapshots = save ? `snapshots only (save "${save}")` : `no snapshots either (save "")`;
    logger.warn(
      `Redis at ${address} has appendonly ${appendonly}, ${snapshots}: a Redis restart loses the revocations written since the last snapshot (they come back only from instances that stayed up). Set appendonly yes.`,
    );
  }
}
