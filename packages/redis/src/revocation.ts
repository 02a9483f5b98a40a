import { PolarStoreUnavailableError, type SessionRevocationStore } from "@polar-oauth/core";
import type { RedisClientType } from "redis";
import { call } from "./errors.js";

/** The revocation store over Redis, with the local mirror that answers every check. */
export interface RedisRevocationStore extends SessionRevocationStore {
  /** True while the mirror is loaded and the subscription is up (checks can be answered). */
  readonly trusted: boolean;
  /** Loads the mirror (again) from Redis; the store calls it at start and on every reconnect. */
  reload(): Promise<void>;
}

/** Message on the channel asking every instance to reload its mirror. */
const RELOAD = "*";

/**
 * Revoked sessions in one sorted set (`<prefix>revoked`: member the session id, score the
 * epoch second it would expire anyway; older members are pruned on every write and load), and
 * each revocation published on `<prefix>revocations`. Every instance keeps a local mirror,
 * loaded at start and on every reconnect and kept current by the subscription, so checking a
 * session costs a Map lookup, never a round trip. While the mirror cannot be trusted
 * (subscription down, not loaded yet) checks throw, and the kit counts the session as ended.
 *
 * A reload first writes back what this instance's mirror holds (a Redis restarted without
 * persistence gets the revocations back from any instance that stayed up) and, if that added
 * anything, asks every instance to reload.
 */
export function createRevocationMirror(options: {
  client: RedisClientType;
  subscriber: RedisClientType;
  prefix: string;
  now: () => number;
}): RedisRevocationStore & { onMessage(message: string): void; distrust(): void } {
  const { client, subscriber, now } = options;
  const key = `${options.prefix}revoked`;
  const channel = `${options.prefix}revocations`;
  const mirror = new Map<string, number>();
  let trusted = false;
  /** Counts disconnects: a reload that saw one while it ran must not restore trust. */
  let disconnects = 0;
  let prunedAt = 0;
  const seconds = () => Math.floor(now() / 1000);

  function remember(sessionId: string, until: number): void {
    if (until > (mirror.get(sessionId) ?? 0)) mirror.set(sessionId, until);
    if (now() - prunedAt < 60_000) return;
    prunedAt = now();
    const t = seconds();
    for (const [id, end] of mirror) if (end < t) mirror.delete(id);
  }

  /**
   * Reloads the mirror; trusts it at the end if no disconnect came in between. It does not
   * distrust it first: a reload asked for by another instance only adds entries, and
   * `distrust()` (on every disconnect) already covers the reloads after a reconnect.
   */
  async function reload(): Promise<void> {
    const since = disconnects;
    // The subscription must be live before loading, or a revocation published in between is
    // missed: a PING answered on the subscriber's connection comes after its SUBSCRIBE.
    await call(() => subscriber.ping());
    const t = seconds();
    const local = [...mirror].filter(([, until]) => until >= t);
    if (local.length > 0) {
      const added = await call(() =>
        client.zAdd(
          key,
          local.map(([value, score]) => ({ value, score })),
          { condition: "NX" },
        ),
      );
      if (added > 0) await call(() => client.publish(channel, RELOAD));
    }
    await call(() => client.zRemRangeByScore(key, "-inf", t - 1));
    const entries = await call(() => client.zRangeWithScores(key, t, "+inf", { BY: "SCORE" }));
    for (const { value, score } of entries) remember(value, score);
    if (since === disconnects && subscriber.isReady && client.isReady) trusted = true;
  }

  return {
    get trusted() {
      return trusted;
    },
    reload,
    distrust() {
      disconnects++;
      trusted = false;
    },
    onMessage(message) {
      if (message === RELOAD) {
        reload().catch(() => {});
        return;
      }
      const space = message.indexOf(" ");
      const until = Number(message.slice(0, space));
      if (space > 0 && Number.isFinite(until)) remember(message.slice(space + 1), until);
    },
    async revoke(sessionId, untilEpochSeconds) {
      remember(sessionId, untilEpochSeconds);
      await call(() =>
        client
          .multi()
          .zAdd(key, { value: sessionId, score: untilEpochSeconds })
          .zRemRangeByScore(key, "-inf", seconds() - 1)
          .publish(channel, `${untilEpochSeconds} ${sessionId}`)
          .exec(),
      );
    },
    isRevoked(sessionId) {
      if (!trusted) {
        throw new PolarStoreUnavailableError("the revocation mirror is not in sync with Redis");
      }
      const until = mirror.get(sessionId);
      return until !== undefined && until >= now() / 1000;
    },
  };
}
