import { type PolarStateStore, PolarStoreUnavailableError } from "@polar-oauth/core";
import { createClient, type RedisClientType } from "redis";
import { type RedisStoreOptions, resolveRedisStoreOptions } from "./options.js";
import { createRefreshCoordinator } from "./refresh.js";
import { createReplayGuard } from "./replay.js";
import { createRevocationMirror, type RedisRevocationStore } from "./revocation.js";

/** The kit's shared state on Redis: pass it as `polarAuth(config, { store })`. */
export interface RedisStore extends PolarStateStore {
  readonly revocation: RedisRevocationStore;
  /**
   * Resolves once connected and the revocation mirror is loaded. Until then signed-in requests
   * count as signed out and sign-ins answer 503, so await it before `listen`. Rejects with
   * `PolarStoreUnavailableError` when Redis cannot be reached within `startTimeoutMs`; the
   * store keeps trying, and works as soon as it can (an app may choose to start anyway).
   */
  readonly ready: Promise<void>;
  /** True while Redis is connected and the revocation mirror is in sync. */
  available(): boolean;
  /** Closes both connections (the command one and the subscriber). */
  close(): Promise<void>;
}

/**
 * Connects to Redis (or Valkey) with two connections, one for commands and one for the
 * revocation channel, and builds the three pieces of shared state under `prefix`. Commands
 * fail fast while disconnected (no offline queue, a timeout on each), so sign-ins and
 * refreshes answer 503 at once; both connections retry on their own (50 ms, growing to 2 s)
 * and the mirror reloads when they are back, with no restart.
 */
export function createRedisStore(input: Partial<RedisStoreOptions> = {}): RedisStore {
  const options = resolveRedisStoreOptions(input);
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
  });
  let closed = false;
  let subscribed = false;
  const resync = () => {
    if (!closed && subscribed && client.isReady && subscriber.isReady) {
      revocation.reload().catch(() => {});
    }
  };
  for (const connectionOf of [client, subscriber]) {
    // node-redis emits `error` on every failed (re)connection; without a listener Node throws.
    connectionOf.on("error", () => revocation.distrust());
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
              `no connection to Redis within ${options.startTimeoutMs} ms (still trying)`,
            ),
          ),
        options.startTimeoutMs,
      );
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
  ready.catch(() => {});

  return {
    revocation,
    refresh: createRefreshCoordinator({
      client,
      prefix: options.prefix,
      lockMs: options.refreshLockMs,
      waitMs: options.refreshWaitMs,
      pollMs: options.refreshPollMs,
    }),
    replay: createReplayGuard({ client, prefix: options.prefix }),
    ready,
    available: () => client.isReady && revocation.trusted,
    async close() {
      closed = true;
      revocation.distrust();
      await Promise.allSettled([client.close(), subscriber.close()]);
    },
  };
}
