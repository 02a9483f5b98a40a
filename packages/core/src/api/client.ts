import type { Polar } from "@polar-sh/sdk/2026-10";
import { PolarInsufficientScopeError } from "../errors.js";
import type { PolarServer } from "../server/polar-servers.js";
import { scopeOf } from "./scope-of.js";
import { loadPolarSdk, type PolarSdkModule } from "./sdk.js";

/**
 * Polar's API as the signed-in user: the `@polar-sh/sdk` client (`@polar-sh/sdk/2026-10`)
 * with the session's access token. Every call asks the session for its token first, so a token
 * near expiry is refreshed (once, however many calls wait) and a rotated one is used at once.
 */
export type PolarApi = Polar;

/** What binds an API client to one request's session. */
export interface PolarApiBinding {
  /** The configured Polar server (production, sandbox, or a compatible URL such as the emulator). */
  readonly server: PolarServer;
  /** The organization of an organization sign-in: sent as `Polar-Organization`. */
  organizationId(): string | undefined;
  /** The session's access token (refreshed when near expiry); throws `SESSION_ENDED` when signed out. */
  getAccessToken(): Promise<string>;
  /** The scopes the session was granted (for the insufficient-scope message). */
  grantedScopes(): readonly string[];
  /** Ends the session after Polar refused its token; returns the error to throw. */
  endSession(reason: string): Promise<Error>;
  /** Loads the SDK (default: `import("@polar-sh/sdk/2026-10")`). */
  load?: () => Promise<PolarSdkModule>;
}

/** Property names that must not look like SDK services (promise and JSON probes, inspection). */
const NOT_SERVICES = new Set(["then", "catch", "finally", "toJSON", "constructor"]);

/**
 * A {@link PolarApi} for one request. Nothing is loaded, read or sent until a method is called;
 * the SDK client is built with the token current at that call (and rebuilt if a refresh
 * changed it), and lives only as long as this request.
 */
export function createPolarApi(binding: PolarApiBinding): PolarApi {
  let current: { token: string; client: Polar } | undefined;

  async function client(): Promise<Polar> {
    const sdk = await (binding.load ?? loadPolarSdk)();
    const token = await binding.getAccessToken();
    if (current?.token !== token) {
      const server =
        binding.server.kind === "custom"
          ? { baseUrl: binding.server.url }
          : { environment: binding.server.kind };
      current = {
        token,
        client: sdk.createPolar({
          accessToken: token,
          ...server,
          organizationId: binding.organizationId(),
        }),
      };
    }
    return current.client;
  }

  async function translate(error: unknown, service: string, method: string): Promise<unknown> {
    const status = (error as { statusCode?: unknown } | null)?.statusCode;
    if (status === 401)
      return binding.endSession("Polar refused the access token (revoked, or the client deleted)");
    if (status === 403 && oauthError(error) === "insufficient_scope") {
      return new PolarInsufficientScopeError(
        `${service}.${method}`,
        scopeOf(service, method),
        binding.grantedScopes(),
      );
    }
    return error;
  }

  function method(service: string, name: string): unknown {
    if (name.startsWith("iter")) {
      return async function* (...args: unknown[]) {
        const api = await client();
        try {
          yield* sdkMethod(api, service, name)(...args) as AsyncGenerator<unknown>;
        } catch (error) {
          throw await translate(error, service, name);
        }
      };
    }
    return async (...args: unknown[]) => {
      const api = await client();
      try {
        return await sdkMethod(api, service, name)(...args);
      } catch (error) {
        throw await translate(error, service, name);
      }
    };
  }

  const services = new Map<string, object>();
  return new Proxy({} as Polar, {
    get(_target, service) {
      if (typeof service !== "string" || NOT_SERVICES.has(service)) return undefined;
      let methods = services.get(service);
      if (!methods) {
        const cache = new Map<string, unknown>();
        methods = new Proxy(
          {},
          {
            get(_t, name) {
              if (typeof name !== "string" || NOT_SERVICES.has(name)) return undefined;
              if (!cache.has(name)) cache.set(name, method(service, name));
              return cache.get(name);
            },
          },
        );
        services.set(service, methods);
      }
      return methods;
    },
  });
}

function sdkMethod(api: Polar, service: string, name: string): (...args: unknown[]) => unknown {
  const fn = (api as unknown as Record<string, Record<string, unknown> | undefined>)[service]?.[
    name
  ];
  if (typeof fn !== "function")
    throw new TypeError(`polar.api.${service}.${name} is not a method of @polar-sh/sdk/2026-10.`);
  return fn as (...args: unknown[]) => unknown;
}

/** The OAuth `error` of an SDK client error: its body is parsed JSON or the raw text. */
function oauthError(error: unknown): string | undefined {
  let body = (error as { error?: unknown }).error;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const code = (body as { error?: unknown } | null)?.error;
  return typeof code === "string" ? code : undefined;
}
