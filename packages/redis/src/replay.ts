import type { ReplayGuard } from "@polar-oauth/core";
import type { RedisClientType } from "redis";
import type { RedisCall } from "./errors.js";

/**
 * Callback replay protection across instances: the first callback with a `state` claims
 * `<prefix>replay:<hash of state>` with `SET NX` for the transaction's lifetime; any later
 * callback with it, on any instance, is refused.
 */
export function createReplayGuard(options: {
  client: RedisClientType;
  prefix: string;
  call: RedisCall;
}): ReplayGuard {
  const { call } = options;
  return {
    async claim(hash, ttlSeconds) {
      const reply = await call(() =>
        options.client.set(`${options.prefix}replay:${hash}`, "1", {
          condition: "NX",
          expiration: { type: "EX", value: ttlSeconds },
        }),
      );
      return reply === "OK";
    },
  };
}
