import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ClientRegistry } from "./client-registry.js";
import type { EmulatorEnv } from "./emulator-env.js";
import { FixtureDirectory, loadFixtures } from "./fixtures.js";
import { KeyedLock } from "./keyed-lock.js";
import { loadPersistedState, type PersistedState, Persister } from "./persistence.js";
import { createPolarMiddleware } from "./polar-routes.js";
import { createPolarProvider } from "./provider.js";
import { RateLimiter } from "./rate-limit.js";
import { checkClientMetadata } from "./registration-rules.js";
import { createApiRateLimit } from "./routes/api-rate-limit.js";
import { EmulatorApiError, registerNewClient } from "./routes/registration.js";
import { POLAR_SCOPES } from "./scopes.js";
import { generateSigningKey, processExtraKey, processSigningKey } from "./signing-key.js";
import { StateStore } from "./state-store.js";
import { StatsCollector } from "./stats.js";
import type { ClientRegistration, Emulator, EmulatorOptions } from "./types.js";

/** The emulator's login session cookie (`cookies.names.session` in provider.ts). */
const SESSION_COOKIE = "_polar_emulator_session";

/** The issuer real Polar puts in discovery and id_tokens, whatever host serves them. */
export const POLAR_ISSUER = "https://polar.sh";

/** Resolves the `issuer` option: "polar" → https://polar.sh, "self" → the emulator URL, else a URL. */
export function resolveIssuer(option: EmulatorOptions["issuer"], selfUrl: string): string {
  if (option === undefined || option === "polar") return POLAR_ISSUER;
  if (option === "self") return selfUrl;
  let url: URL;
  try {
    url = new URL(option);
  } catch {
    throw new TypeError(
      `startEmulator: issuer must be "polar", "self" or an absolute URL, got ${JSON.stringify(option)}`,
    );
  }
  if (
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    url.search ||
    url.hash ||
    option.endsWith("?")
  ) {
    throw new TypeError(
      `startEmulator: issuer must be an http(s) URL without query or fragment, got ${option}`,
    );
  }
  return option;
}

/** True for an address that never leaves the machine: 127.0.0.0/8 and ::1 (IPv4-mapped too). */
function isLoopbackAddress(address: string): boolean {
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4 === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new Error(
              `polar-emulator: port ${port} on ${host} is already in use (pick another with --port, or 0 for any free port)`,
            )
          : error,
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function preRegister(env: EmulatorEnv, registrations: ClientRegistration[]): void {
  registrations.forEach((registration, index) => {
    const check = checkClientMetadata(registration, "create", env.scopes);
    if (!check.ok) {
      throw new TypeError(
        `startEmulator: clients[${index}] is invalid: ${JSON.stringify(check.body)}`,
      );
    }
    let ownerId: string | null = null;
    if (registration.owner !== undefined) {
      const owner = env.fixtures.user(registration.owner);
      if (!owner)
        throw new TypeError(
          `startEmulator: clients[${index}].owner "${registration.owner}" is not a fixture user`,
        );
      ownerId = owner.id;
    }
    if (registration.client_id !== undefined) {
      env.clients.delete(registration.client_id);
      env.store.revokeClient(registration.client_id);
    }
    env.clients.create(check.metadata, {
      ownerId,
      clientId: registration.client_id,
      clientSecret: registration.client_secret,
      registrationAccessToken: registration.registration_access_token,
    });
  });
}

/**
 * Starts a local Polar-compatible OAuth server on one port (default: a random free port on
 * 127.0.0.1) and resolves once it accepts requests.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const now = options.now ?? Date.now;
  const host = options.host ?? "127.0.0.1";
  const fixtures = new FixtureDirectory(loadFixtures(options.fixtures));
  const limiter = new RateLimiter(options.rateLimits, now);
  const persisted = options.persistPath ? loadPersistedState(options.persistPath) : undefined;

  let persister: Persister | undefined;
  const onChange = () => persister?.markDirty();
  const clients = new ClientRegistry(now, onChange);
  const store = new StateStore(now, clients, onChange);
  if (persisted) {
    clients.restore(persisted.clients);
    store.restore(persisted.store);
  }
  const signingKey =
    persisted?.signingKey ?? (options.persistPath ? generateSigningKey() : processSigningKey());
  const cookieKeys = persisted?.cookieKeys ?? [randomBytes(32).toString("base64url")];

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.writeHead(503, { "Retry-After": "1" }).end();
  });
  server.keepAliveTimeout = 5000;
  const bound = await listen(server, options.port ?? 0, host);
  const port = bound.port;
  const url = `http://${urlHost(host)}:${port}`;

  let issuer: string;
  let provider: ReturnType<typeof createPolarProvider>;
  try {
    issuer = resolveIssuer(options.issuer, url);
    const extraJwk = options.extraJwk
      ? { key: processExtraKey(), position: options.extraJwk }
      : undefined;
    provider = createPolarProvider({ issuer, store, fixtures, signingKey, extraJwk, cookieKeys });
  } catch (error) {
    server.close();
    throw error;
  }
  const stats = new StatsCollector();
  const env: EmulatorEnv = {
    provider,
    issuer,
    store,
    clients,
    fixtures,
    limiter,
    stats,
    locks: new KeyedLock(),
    now,
    signingKey,
    scopes: options.scopes ? [...options.scopes] : POLAR_SCOPES,
  };
  try {
    preRegister(env, options.clients ?? []);
  } catch (error) {
    server.close();
    throw error;
  }
  provider.use(createApiRateLimit(env, SESSION_COOKIE));
  provider.use(createPolarMiddleware(env, options.log));
  handler = provider.callback();

  if (options.persistPath) {
    const collect = (): PersistedState => ({
      version: 1,
      signingKey,
      cookieKeys,
      clients: clients.all(),
      store: store.snapshot(),
    });
    persister = new Persister(options.persistPath, collect);
    persister.flush();
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    bound: { address: bound.address, port, loopback: isLoopbackAddress(bound.address) },
    issuer,
    fixtures: fixtures.fixtures,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    async registerClient(metadata, opts = {}) {
      const owner = opts.owner === undefined ? undefined : fixtures.user(opts.owner);
      if (opts.owner !== undefined && !owner) {
        throw new TypeError(`registerClient: owner "${opts.owner}" is not a fixture user`);
      }
      const result = registerNewClient(env, metadata, owner, url);
      if (!result.ok) throw new EmulatorApiError(result.status, result.body);
      return result.response;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => persister?.flush());
      return closing;
    },
  };
}
