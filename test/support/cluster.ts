import { once } from "node:events";
import { createServer, request as forward, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { definePolarConfig, type PolarConfig } from "@polar-oauth/core";
import type { Emulator } from "@polar-oauth/emulator";
import { createRedisStore, type RedisStore, type RedisStoreOptions } from "@polar-oauth/redis";
import { createAppListener, type Framework } from "./apps.js";
import { TEST_SESSION_SECRET } from "./kit.js";

/** One app instance of a {@link Cluster}: its own kit, caches and Redis connections. */
export interface ClusterInstance {
  framework: Framework;
  /** The instance's own address (bypassing the proxy). */
  url: string;
  store: RedisStore;
  logs: string[];
}

/** Several instances of one app behind a round-robin proxy, sharing one Redis. */
export interface Cluster {
  /** The proxy's address: the app's public origin (the redirect URI is on it). */
  url: string;
  instances: ClusterInstance[];
  config: PolarConfig;
  /** Moves every instance's clock (ms), e.g. past the access token's expiry. */
  advanceClock(ms: number): void;
  /** Stops every instance's clock where it is (only `advanceClock` moves it then). */
  freezeClock(): void;
  close(): Promise<void>;
}

/**
 * Starts one instance per entry of `frameworks` (the shared test app of `apps.ts`), each with
 * its own `createRedisStore` on `redisUrl`, behind a round-robin HTTP proxy whose origin is the
 * redirect URI's. One Polar client is registered at the emulator for all of them. Responses
 * carry `x-instance` (the index that answered).
 */
export async function startCluster(options: {
  emulator: Emulator;
  redisUrl: string;
  frameworks: Framework[];
  prefix?: string;
  /** More options of every instance's `createRedisStore`. */
  storeOptions?: Partial<RedisStoreOptions>;
}): Promise<Cluster> {
  let offsetMs = 0;
  let frozenAt: number | undefined;
  const now = () => (frozenAt ?? Date.now()) + offsetMs;
  const servers: Server[] = [];
  const listen = async (server: Server) => {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  const targets: URL[] = [];
  let next = 0;
  const proxy = createServer((req, res) => {
    const index = next++ % targets.length;
    const target = targets[index]!;
    const upstream = forward(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, "x-instance": String(index) });
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  const url = await listen(proxy);

  const registered = await options.emulator.registerClient({
    client_name: "Multi-instance test app",
    redirect_uris: [`${url}/auth/callback`],
    token_endpoint_auth_method: "client_secret_post",
  });
  const config = definePolarConfig({
    environment: "development",
    server: options.emulator.url,
    clientId: registered.client_id,
    clientSecret: registered.client_secret ?? undefined,
    authMethod: "client_secret_post",
    redirectUri: `${url}/auth/callback`,
    scopes: "openid profile email",
    session: {
      secrets: TEST_SESSION_SECRET,
      idleTimeoutSeconds: 60 * 86_400,
      absoluteTimeoutSeconds: 90 * 86_400,
    },
    startupCheck: "off",
  });

  const instances: ClusterInstance[] = [];
  for (const framework of options.frameworks) {
    const logs: string[] = [];
    const logger = {
      info: (m: string) => logs.push(`info ${m}`),
      warn: (m: string) => logs.push(`warn ${m}`),
      error: (m: string) => logs.push(`error ${m}`),
    };
    const store = createRedisStore({
      url: options.redisUrl,
      prefix: options.prefix ?? "polar-oauth:",
      refreshPollMs: 5,
      logger,
      ...options.storeOptions,
    });
    await store.ready;
    const { listener } = createAppListener(framework, config, { store, logger, now });
    const instanceUrl = await listen(createServer(listener));
    targets.push(new URL(instanceUrl));
    instances.push({ framework, url: instanceUrl, store, logs });
  }

  return {
    url,
    instances,
    config,
    freezeClock() {
      frozenAt ??= Date.now();
    },
    advanceClock(ms) {
      offsetMs += ms;
    },
    async close() {
      for (const server of servers) server.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
      await Promise.all(instances.map((i) => i.store.close()));
    },
  };
}
