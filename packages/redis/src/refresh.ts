import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { PolarStoreUnavailableError, type RefreshCoordinator } from "@polar-oauth/core";
import type { RedisClientType } from "redis";
import type { RedisCall } from "./errors.js";

/** Deletes the lock only if it is still ours (it may have expired and gone to another instance). */
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/**
 * One refresh per refresh token across instances. The first instance takes
 * `<prefix>refresh:lock:<hash>` with `SET NX PX`, refreshes at Polar and stores the kit's
 * seal of the rotated tokens under `<prefix>refresh:result:<hash>` for the grace window; the
 * others poll for that result (bounded by `waitMs`). The lock outlives the slowest refresh the
 * kit allows (see `createRedisStore`'s `configure`), so it never expires under a live winner
 * (a second refresh would make Polar refuse the rotated token). A winner that fails releases
 * its lock at once, so a waiting instance takes over at its next poll; one that dies leaves
 * it to expire. Redis never holds a bare
 * token nor a session cookie: the key is a hash, the value a seal only SESSION_SECRET opens.
 */
export function createRefreshCoordinator(options: {
  client: RedisClientType;
  prefix: string;
  call: RedisCall;
  /** The lock's lifetime and the waiters' bound now (they follow the kit's timeout). */
  limits: () => { lockMs: number; waitMs: number };
  pollMs: number;
}): RefreshCoordinator {
  const { client, call, pollMs } = options;
  return {
    async run(hash, refresh, graceMs) {
      const { lockMs, waitMs } = options.limits();
      const lockKey = `${options.prefix}refresh:lock:${hash}`;
      const resultKey = `${options.prefix}refresh:result:${hash}`;
      const deadline = Date.now() + waitMs;
      for (;;) {
        const ready = await call(() => client.get(resultKey));
        if (ready) return ready;
        const owner = randomBytes(16).toString("base64url");
        const locked = await call(() =>
          client.set(lockKey, owner, {
            condition: "NX",
            expiration: { type: "PX", value: lockMs },
          }),
        );
        if (locked === "OK") {
          try {
            // A winner may have stored its result and released between the GET and the SET.
            const late = await call(() => client.get(resultKey));
            if (late) return late;
            const sealed = await refresh();
            // Polar has rotated: keep the new tokens even if Redis fails now (this instance's
            // callers are served; another instance may then see the old token refused).
            await call(() =>
              client.set(resultKey, sealed, { expiration: { type: "PX", value: graceMs } }),
            ).catch(() => {});
            return sealed;
          } finally {
            await call(() => client.eval(RELEASE, { keys: [lockKey], arguments: [owner] })).catch(
              () => {},
            );
          }
        }
        for (;;) {
          if (Date.now() >= deadline) {
            throw new PolarStoreUnavailableError(
              "another instance's token refresh did not finish in time",
            );
          }
          await sleep(pollMs);
          const result = await call(() => client.get(resultKey));
          if (result) return result;
          if ((await call(() => client.exists(lockKey))) === 0) break;
        }
      }
    },
  };
}
