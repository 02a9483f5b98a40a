import {
  PolarConfigError,
  type PolarLogger,
  type PolarStateStore,
  PolarStoreUnavailableError,
} from "@polar-oauth/core";
import { createClient, type RedisClientType } from "redis";
import { createRedisCall, redisAddress, redisCause } from "./errors.js";
import { type RedisStoreOptions, resolveRedisStoreOptions } from "./options.js";
import { createRefreshCoordinator } from "./refresh.js";
import { createReplayGuard } from "./replay.js";
import { createRevocationMirror, type RedisRevocationStore } from "./revocation.js";
import { checkRedisSettings } from "./server-settings.js";

/** The kit's shared state on Redis: pass it as `polarAuth(config, { store })`. */
export interface RedisStore extends PolarStateStore {
  readonly revocation: RedisRevocationStore;
  /**
   * Resolves once connected and the revocation mirror is loaded. Until then signed-in requests
   * count as signed out and sign-ins answer 503, so await it before `listen`. Rejects with
   * `PolarStoreUnavailableError` naming host, port and cause when Redis cannot be reached
   * within `startTimeoutMs`; the store keeps trying, and works as soon as it can (an app may
   * choose to start anyway).
   */
  readonly ready: Promise<void>;
  /** True while Redis is connected and the revocation mirror is in sync. */
  available(): boolean;
  /** Closes both connections (the command one and the subscriber). */
  close(): Promise<void>;
}

/** Margin of a refresh lock over the slowest refresh: Redis round trips and the seal. */
const LOCK_MARGIN_MS = 1000;
/** A refresh's slowest Polar calls with the default `POLAR_TIMEOUT_MS` (5,000 ms, two calls). */
const DEFAULT_REFRESH_TIMEOUT_MS = 10_000;

const consoleLogger: PolarLogger = {
  info: (message) => console.info(`[polar-oauth/redis] ${message}`),
  warn: (message) => console.warn(`[polar-oauth/redis] ${message}`),
  error: (message) => console.error(`[polar-oauth/redis] ${message}`),
};

/**
 * Connects to Redis (or Valkey) with two connections, one for commands and one for the
 * revocation channel, and builds the three pieces of shared state under `prefix`. Commands
 * fail fast while disconnected (no offline queue, `commandTimeoutMs` on each), so sign-ins and
 * refreshes answer 503 at once; both connections retry on their own (50 ms, growing to 2 s)
 * and the mirror reloads when they are back, with no restart. Errors name the host, the port
 * and the cause, never the password.
 */
export function createRedisStore(input: Partial<RedisStoreOptions> = {}): RedisStore {
  const options = resolveRedisStoreOptions(input);
  const logger = input.logger ?? consoleLogger;
  const address = redisAddress(options.url);
  const call = createRedisCall(address, options.commandTimeoutMs);
  const connection = {
    url: options.url,
    disableOfflineQueue: true,
    commandOptions: { timeout: options.commandTimeoutMs },
    socket: {
      connectTimeout: Math.max(options.commandTimeoutMs, 1000),
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000),
    },
  };
  const client = createClient(connection) as unknown as RedisClientType;
  const subscriber = createClient({
    ...connection,
    commandOptions: undefined,
  }) as unknown as RedisClientType;
  const revocation = createRevocationMirror({
    client,
    subscriber,
    prefix: options.prefix,
    now: Date.now,
    call,
    logger,
    maxEntries: options.maxRevocations,
    retryMs: options.revocationRetryMs,
  });
  let closed = false;
  let subscribed = false;
  /** The last connection failure, for `ready`'s message. */
  let lastCause = "no answer yet";
  const resync = () => {
    if (!closed && subscribed && client.isReady && subscriber.isReady) {
      revocation.reload().catch(() => {});
    }
  };
  for (const connectionOf of [client, subscriber]) {
    // node-redis emits `error` on every failed (re)connection; without a listener Node throws.
    connectionOf.on("error", (error: unknown) => {
      lastCause = redisCause(error, options.commandTimeoutMs);
      revocation.distrust();
    });
    connectionOf.on("end", () => revocation.distrust());
    connectionOf.on("reconnecting", () => revocation.distrust());
    connectionOf.on("ready", resync);
  }

  const started = (async () => {
    await Promise.all([client.connect(), subscriber.connect()]);
    await subscriber.subscribe(`${options.prefix}revocations`, (message) =>
      revocation.onMessage(message),
    );
    subscribed = true;
    await revocation.reload();
    await checkRedisSettings({ client, call, address, logger });
  })();
  started.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const ready = Promise.race([
    started,
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new PolarStoreUnavailableError(
              `no connection to Redis at ${address} within ${options.startTimeoutMs} ms, still trying (last error: ${lastCause})`,
            ),
          ),
        options.startTimeoutMs,
      );
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
  ready.catch(() => {});

  // What the kits using this store told it (the largest, when several do).
  let refreshTimeoutMs: number | undefined;
  let lifetimeSeconds = 0;
  const lockMs = () =>
    options.refreshLockMs ?? (refreshTimeoutMs ?? DEFAULT_REFRESH_TIMEOUT_MS) + LOCK_MARGIN_MS;
  return {
    revocation,
    refresh: createRefreshCoordinator({
      client,
      prefix: options.prefix,
      call,
      limits: () => ({
        lockMs: lockMs(),
        waitMs: options.refreshWaitMs ?? lockMs() + 5000,
      }),
      pollMs: options.refreshPollMs,
    }),
    replay: createReplayGuard({ client, prefix: options.prefix, call }),
    ready,
    configure(limits) {
      const needed = limits.refreshTimeoutMs + LOCK_MARGIN_MS;
      if (options.refreshLockMs !== undefined && options.refreshLockMs < needed) {
        throw new PolarConfigError([
          {
            variable: "refreshLockMs",
            problem: `is ${options.refreshLockMs} ms, shorter than a refresh may take (${limits.refreshTimeoutMs} ms from POLAR_TIMEOUT_MS, plus ${LOCK_MARGIN_MS} ms): the lock could expire under a live refresh and a second instance's refresh would sign the user out.`,
            fix: `Drop refreshLockMs (it is then derived from POLAR_TIMEOUT_MS), set it to at least ${needed}, or lower POLAR_TIMEOUT_MS.`,
          },
        ]);
      }
      refreshTimeoutMs = Math.max(refreshTimeoutMs ?? 0, limits.refreshTimeoutMs);
      lifetimeSeconds = Math.max(lifetimeSeconds, limits.sessionLifetimeSeconds);
      revocation.adopt({ lifetimeSeconds, now: limits.now });
    },
    available: () => client.isReady && revocation.trusted,
    async close() {
      closed = true;
      revocation.stop();
      revocation.distrust();
      await Promise.allSettled([client.close(), subscriber.close()]);
    },
  };
}
