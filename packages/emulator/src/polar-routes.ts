import type { KoaContext, KoaMiddleware, KoaNext } from "oidc-provider";
import { type EmulatorEnv, requestOrigin } from "./emulator-env.js";
import { BadRequestBody, sendOAuthError } from "./http-utils.js";
import { renderHomePage } from "./pages/home.js";
import { PAGE_CSP, ROUTES } from "./provider.js";
import { recordCodeRedirectUri } from "./redirect-uri-binding.js";
import { handleApi, isApiPath } from "./routes/api.js";
import { handleAuthorize, stripIssuerFromRedirect } from "./routes/authorize.js";
import { handleAuthorizeApi } from "./routes/authorize-api.js";
import { handleDiscovery } from "./routes/discovery.js";
import { handleInteraction } from "./routes/interaction.js";
import { handleIntrospect } from "./routes/introspect.js";
import { handleClientConfiguration, handleList, handleRegister } from "./routes/registration.js";
import { handleRevoke } from "./routes/revoke.js";
import { handleToken } from "./routes/token.js";
import { handleUserinfo } from "./routes/userinfo.js";
import { endpointOf } from "./stats.js";

const REGISTRATION_PREFIX = `${ROUTES.registration}/`;
const INTERACTION_PREFIX = `${ROUTES.interaction}/`;
const RESUME_PREFIX = `${ROUTES.authorization}/`;

/** The path as logged: interaction and resume ids are replaced by `:uid` (they identify a browser flow). */
export function loggablePath(path: string): string {
  if (path.startsWith(INTERACTION_PREFIX))
    return path.replace(/^(\/oauth2\/interaction\/)[^/]+/, "$1:uid");
  if (path.startsWith(RESUME_PREFIX)) return `${RESUME_PREFIX}:uid`;
  return path;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function dispatch(ctx: KoaContext, env: EmulatorEnv, next: KoaNext): Promise<void> {
  const path = ctx.path;
  if (path === ROUTES.discovery || path === "/.well-known/oauth-authorization-server")
    return handleDiscovery(ctx, env);
  if (path === ROUTES.registration) return handleRegister(ctx, env);
  if (path.startsWith(REGISTRATION_PREFIX)) {
    return handleClientConfiguration(ctx, env, safeDecode(path.slice(REGISTRATION_PREFIX.length)));
  }
  if (path === ROUTES.list || path === "/v1/oauth2") return handleList(ctx, env);
  if (path === ROUTES.userinfo) return handleUserinfo(ctx, env);
  if (path === ROUTES.revocation) return handleRevoke(ctx, env);
  if (path === ROUTES.introspection) return handleIntrospect(ctx, env);
  if (path === ROUTES.token) return handleToken(ctx, env, next);
  if (path === ROUTES.authorizationApi) return handleAuthorizeApi(ctx, env);
  if (isApiPath(path)) return handleApi(ctx, env);
  if (path === ROUTES.authorization) return handleAuthorize(ctx, env, next);
  if (path.startsWith(RESUME_PREFIX)) {
    await next();
    recordCodeRedirectUri(ctx, env);
    return stripIssuerFromRedirect(ctx, env);
  }
  if (path.startsWith(INTERACTION_PREFIX))
    return handleInteraction(ctx, env, path.slice(INTERACTION_PREFIX.length));
  if (path === "/" && ctx.method === "GET") {
    ctx.type = "html";
    ctx.set("Content-Security-Policy", PAGE_CSP);
    ctx.body = renderHomePage({
      origin: requestOrigin(ctx),
      issuer: env.issuer,
      users: env.fixtures.users,
    });
    return;
  }
  return next();
}

/**
 * The Polar layer in front of oidc-provider: counts and logs every request, serves Polar's own
 * routes (discovery, registration, client list, userinfo, revoke, introspect, the authorize JSON
 * API, the slice of Polar's REST API apps read (organizations, products, orders,
 * subscriptions), login/consent pages),
 * applies rate limits and Polar defaults, and never lets an error escape as a crash.
 */
export function createPolarMiddleware(
  env: EmulatorEnv,
  log?: (line: string) => void,
): KoaMiddleware {
  return async (ctx, next) => {
    const started = performance.now();
    const endpoint = endpointOf(ctx.method, ctx.path);
    if (endpoint) env.stats.request(endpoint);
    // Tells oidc-provider the plain-http request is deliberate (silences its https-issuer proxy warning).
    ctx.req.headers["x-forwarded-proto"] ??= ctx.protocol;
    try {
      await dispatch(ctx, env, next);
    } catch (error) {
      if (error instanceof BadRequestBody) {
        sendOAuthError(ctx, error.status, "invalid_request", error.message);
      } else {
        sendOAuthError(ctx, 500, "server_error", "The emulator failed to handle this request.");
        console.error("polar-emulator: unexpected error", error);
      }
    } finally {
      log?.(
        `${ctx.method} ${loggablePath(ctx.path)} ${ctx.status} ${(performance.now() - started).toFixed(1)}ms`,
      );
    }
  };
}
