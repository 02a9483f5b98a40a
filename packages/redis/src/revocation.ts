import {
  type PolarLogger,
  PolarStoreUnavailableError,
  type RevocationResult,
  type SessionRevocationStore,
} from "@polar-oauth/core";
import type { RedisClientType } from "redis";
import type { RedisCall } from "./errors.js";
import { formatRevocation, parseRevocation, RELOAD } from "./revocation-message.js";

/** The revocation store over Redis, with the local mirror that answers every check. */
export interface RedisRevocationStore extends SessionRevocationStore {
  /** True while the mirror is loaded, not full, and the subscription is up (checks can be answered). */
  readonly trusted: boolean;
  /**
   * Revocations this instance holds that are not confirmed written to Redis yet (Redis down,
   * out of memory, read-only): each is refused here already, and retried until it lands.
   */
  readonly backlog: number;
  /** Loads the mirror (again) from Redis; the store calls it at start and on every reconnect. */
  reload(): Promise<void>;
}

/** A session lives at most a year unless the kit says otherwise (`adopt`). */
const DEFAULT_HORIZON_SECONDS = 366 * 86_400;
/** While the mirror is full, how often it tries to load again (expired entries may have gone). */
const OVERFLOW_RELOAD_MS = 60_000;

/**
 * Revoked sessions in one sorted set (`<prefix>revoked`: member the session id, score the
 * epoch second it would expire anyway; older members are pruned on every write and load), and
 * each revocation published on `<prefix>revocations`. Every instance keeps a local mirror,
 * loaded at start and on every reconnect and kept current by the subscription, so checking a
 * session costs a Map lookup, never a round trip. While the mirror cannot be trusted
 * (subscription down, not loaded yet, full) checks throw, and the kit counts the session as ended.
 *
 * A revocation Redis did not take (down, `OOM`, `READONLY`) stays in the mirror and in a
 * backlog retried every `retryMs` until it lands; it is still published as `pending` when
 * publishing works (as under `maxmemory`), so every instance that sees it refuses the session
 * at once and retries the write too.
 *
 * The channel is bounded: malformed messages and entries ending beyond a session's lifetime
 * are ignored, and the mirror holds at most `maxEntries`; past that it logs once and fails
 * closed until a reload finds room.
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
  call: RedisCall;
  logger: PolarLogger;
  maxEntries: number;
  retryMs: number;
}): RedisRevocationStore & {
  onMessage(message: string): void;
  distrust(): void;
  /** Sets the longest a session can live (revocations ending later are ignored) and the kit's clock. */
  adopt(kit: { lifetimeSeconds: number; now: () => number }): void;
  /** Stops the retry timer. */
  stop(): void;
} {
  const { client, subscriber, call, logger, maxEntries } = options;
  let now = options.now;
  const key = `${options.prefix}revoked`;
  const channel = `${options.prefix}revocations`;
  const mirror = new Map<string, number>();
  const backlog = new Map<string, number>();
  let horizonSeconds = DEFAULT_HORIZON_SECONDS;
  let trusted = false;
  let overflowed = false;
  let overflowReloadAt = 0;
  /** Counts disconnects: a reload that saw one while it ran must not restore trust. */
  let disconnects = 0;
  let prunedAt = 0;
  let flushing = false;
  const seconds = () => Math.floor(now() / 1000);

  function prune(): void {
    prunedAt = now();
    const t = seconds();
    for (const [id, end] of mirror) if (end < t) mirror.delete(id);
    for (const [id, end] of backlog) if (end < t) backlog.delete(id);
  }

  /** Adds to the mirror; false (and fail closed) when it is full. */
  function remember(sessionId: string, until: number): boolean {
    const known = mirror.get(sessionId);
    if (known !== undefined) {
      if (until > known) mirror.set(sessionId, until);
      return true;
    }
    if (now() - prunedAt >= (mirror.size >= maxEntries ? 1000 : 60_000)) prune();
    if (mirror.size >= maxEntries) {
      if (!overflowed) {
        logger.error(
          `the revocation mirror is full (${maxEntries} entries, maxRevocations): every session counts as ended until it has room again. Raise maxRevocations, or find who publishes on ${channel}.`,
        );
      }
      overflowed = true;
      overflowReloadAt = now();
      return false;
    }
    mirror.set(sessionId, until);
    return true;
  }

  function keep(sessionId: string, until: number): void {
    if (backlog.size >= maxEntries && !backlog.has(sessionId)) return;
    if (until > (backlog.get(sessionId) ?? 0)) backlog.set(sessionId, until);
  }

  /** Drops the written entries from the backlog (unless a later revocation replaced one). */
  function landed(written: [string, number][]): void {
    for (const [id, until] of written) if (backlog.get(id) === until) backlog.delete(id);
  }

  /** Writes the backlog to Redis and publishes each entry; they stay when it fails. */
  async function flush(): Promise<void> {
    if (flushing || backlog.size === 0 || !client.isReady) return;
    flushing = true;
    try {
      const t = seconds();
      const entries = [...backlog].filter(([, until]) => until >= t);
      if (entries.length === 0) return prune();
      const multi = client.multi().zAdd(
        key,
        entries.map(([value, score]) => ({ value, score })),
      );
      for (const [sessionId, until] of entries) {
        multi.publish(channel, formatRevocation({ sessionId, until, pending: false }));
      }
      await call(() => multi.exec());
      landed(entries);
      logger.info(`${entries.length} pending revocation(s) written to Redis.`);
    } finally {
      flushing = false;
    }
  }

  let reloading: Promise<void> | undefined;
  let reloadAgain = false;
  /** Coalesces reload requests from the channel: one running, at most one queued. */
  function reloadSoon(): void {
    if (reloading) {
      reloadAgain = true;
      return;
    }
    reloading = reload()
      .catch(() => {})
      .finally(() => {
        reloading = undefined;
        if (reloadAgain) {
          reloadAgain = false;
          reloadSoon();
        }
      });
  }

  /**
   * Reloads the mirror; trusts it at the end if no disconnect came in between. It does not
   * distrust it first: a reload asked for by another instance only adds entries, and
   * `distrust()` (on every disconnect) already covers the reloads after a reconnect. A full
   * mirror is rebuilt from Redis and the backlog, dropping what only the channel brought.
   */
  async function reload(): Promise<void> {
    const since = disconnects;
    // The subscription must be live before loading, or a revocation published in between is
    // missed: a PING answered on the subscriber's connection comes after its SUBSCRIBE.
    await call(() => subscriber.ping());
    const t = seconds();
    const local = [...(overflowed ? backlog : mirror)].filter(([, until]) => until >= t);
    if (local.length > 0) {
      const added = await call(() =>
        client.zAdd(
          key,
          local.map(([value, score]) => ({ value, score })),
          { condition: "NX" },
        ),
      );
      landed(local.filter(([id]) => backlog.has(id)));
      if (added > 0) await call(() => client.publish(channel, RELOAD));
    }
    await call(() => client.zRemRangeByScore(key, "-inf", t - 1));
    const entries = await call(() =>
      client.zRangeWithScores(key, t, t + horizonSeconds, {
        BY: "SCORE",
        LIMIT: { offset: 0, count: maxEntries + 1 },
      }),
    );
    if (overflowed && entries.length + backlog.size <= maxEntries) {
      mirror.clear();
      for (const [id, until] of backlog) mirror.set(id, until);
      overflowed = false;
      logger.warn("the revocation mirror has room again: sessions are checked again.");
    }
    for (const { value, score } of entries) remember(value, score);
    if (since === disconnects && subscriber.isReady && client.isReady) trusted = true;
  }

  const timer = setInterval(() => {
    flush().catch(() => {});
    if (overflowed && now() - overflowReloadAt >= OVERFLOW_RELOAD_MS) {
      overflowReloadAt = now();
      reloadSoon();
    }
  }, options.retryMs);
  timer.unref();

  return {
    get trusted() {
      return trusted && !overflowed;
    },
    get backlog() {
      return backlog.size;
    },
    reload,
    distrust() {
      disconnects++;
      trusted = false;
    },
    adopt(kit) {
      horizonSeconds = kit.lifetimeSeconds;
      now = kit.now;
    },
    stop() {
      clearInterval(timer);
    },
    onMessage(message) {
      if (message === RELOAD) return reloadSoon();
      const revocation = parseRevocation(message, seconds(), horizonSeconds);
      if (!revocation) return;
      remember(revocation.sessionId, revocation.until);
      if (revocation.pending) keep(revocation.sessionId, revocation.until);
      else landed([[revocation.sessionId, revocation.until]]);
    },
    async revoke(sessionId, untilEpochSeconds): Promise<RevocationResult> {
      remember(sessionId, untilEpochSeconds);
      keep(sessionId, untilEpochSeconds);
      const revocation = { sessionId, until: untilEpochSeconds, pending: false };
      try {
        await call(() =>
          client
            .multi()
            .zAdd(key, { value: sessionId, score: untilEpochSeconds })
            .zRemRangeByScore(key, "-inf", seconds() - 1)
            .publish(channel, formatRevocation(revocation))
            .exec(),
        );
        landed([[sessionId, untilEpochSeconds]]);
        return "revoked";
      } catch (error) {
        // Publishing needs no memory: under `maxmemory` (or READONLY on a replica that still
        // relays) the other instances learn it now and keep retrying the write too.
        await call(() =>
          client.publish(channel, formatRevocation({ ...revocation, pending: true })),
        ).catch(() => {});
        logger.warn(
          `a revocation could not be written to Redis (${(error as Error).message}); it is kept and retried every ${options.retryMs} ms until it lands.`,
        );
        return "pending";
      }
    },
    isRevoked(sessionId) {
      if (!trusted || overflowed) {
        throw new PolarStoreUnavailableError(
          overflowed
            ? "the revocation mirror is full (maxRevocations)"
            : "the revocation mirror is not in sync with Redis",
        );
      }
      const until = mirror.get(sessionId);
      return until !== undefined && until >= now() / 1000;
    },
  };
}
