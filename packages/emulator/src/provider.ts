import Provider, { type Account, type Configuration, errors, type KoaContext } from "oidc-provider";
import type { FixtureDirectory } from "./fixtures.js";
import { renderErrorPage } from "./pages/error.js";
import { REDIRECT_URI_OMITTED } from "./redirect-uri-binding.js";
import { isSupportedScope, POLAR_SCOPES, splitScope } from "./scopes.js";
import type { PrivateJwk } from "./signing-key.js";
import type { StateStore } from "./state-store.js";
import { generatePolarToken, TOKEN_PREFIX } from "./token-formats.js";

/** Where Polar's surface lives on the emulator's single port. */
export const ROUTES = {
  /** The browser page (Polar serves it from its web host). */
  authorization: "/oauth2/authorize",
  /** The JSON API behind Polar's page, which the startup check probes. */
  authorizationApi: "/v1/oauth2/authorize",
  interaction: "/oauth2/interaction",
  token: "/v1/oauth2/token",
  userinfo: "/v1/oauth2/userinfo",
  revocation: "/v1/oauth2/revoke",
  introspection: "/v1/oauth2/introspect",
  registration: "/v1/oauth2/register",
  list: "/v1/oauth2/",
  jwks: "/.well-known/jwks.json",
  discovery: "/.well-known/openid-configuration",
} as const;

const DAY = 24 * 3600;

/** Lifetimes in seconds: Polar's 10-day access tokens from a code, 1 hour from a refresh, 5-minute codes. */
export const LIFETIMES = {
  accessTokenFromCode: 864_000,
  accessTokenFromRefresh: 3600,
  authorizationCode: 300,
  idToken: 3600,
  refreshToken: 365 * DAY,
  grant: 365 * DAY,
  session: 14 * DAY,
  interaction: 3600,
} as const;

/** What the engine needs from the emulator. */
export interface ProviderSetup {
  issuer: string;
  store: StateStore;
  fixtures: FixtureDirectory;
  signingKey: PrivateJwk;
  /** A second published key that signs nothing (Polar's JWKS during a key rotation). */
  extraJwk?: { key: PrivateJwk; position: "first" | "last" } | undefined;
  cookieKeys: string[];
}

type Params = Record<string, unknown>;

/** Polar's claims for a user token: `sub` always the user (`server/polar/oauth2/userinfo.py`). */
function userClaims(setup: ProviderSetup, accountId: string): Record<string, unknown> | undefined {
  const user = setup.fixtures.user(accountId);
  if (!user) return undefined;
  return { sub: user.id, email: user.email, email_verified: user.emailVerified };
}

/** An authorization error Polar raises without a redirect URI: its page shows it, the app hears nothing. */
export function pageOnlyError(description: string): InstanceType<typeof errors.InvalidRequest> {
  const error = new errors.InvalidRequest(description);
  (error as unknown as { allow_redirect: boolean }).allow_redirect = false;
  return error;
}

/** True when the user's remembered consent for this client covers `scope` (`has_granted_scope`). */
export function consentCovers(
  store: StateStore,
  accountId: string,
  clientId: string,
  scope: unknown,
): boolean {
  const granted = store.grantedScope(accountId, clientId);
  if (granted === undefined) return false;
  const have = new Set(splitScope(granted));
  return splitScope(typeof scope === "string" ? scope : "").every((s) => have.has(s));
}

/**
 * True when Polar would skip consent (`ValidateSubAndPrompt._validate_scope_consent` in
 * `server/polar/oauth2/grants/authorization_code.py` sets `grant.prompt = "none"` only when
 * no `prompt` was sent): a signed-in user whose remembered consent for this client covers the
 * requested scope. `prompt=none` does not qualify: it shows consent (routes/authorize.ts). A
 * user who has just signed in during this request does not qualify either: Polar's page sends
 * them back to the API with `prompt=undefined` after its login screen, which shows consent.
 */
function autoApproves(
  store: StateStore,
  accountId: string,
  clientId: string,
  params: Params,
): boolean {
  return params.prompt === undefined && consentCovers(store, accountId, clientId, params.scope);
}

/** The JWKS: the signing key, and the rotation's other key before or after it when asked for. */
function publishedKeys(setup: ProviderSetup): PrivateJwk[] {
  const extra = setup.extraJwk;
  if (!extra) return [setup.signingKey];
  return extra.position === "first" ? [extra.key, setup.signingKey] : [setup.signingKey, extra.key];
}

/** Validates Polar's extra authorization parameters; runs after client and redirect_uri are verified. */
function validateAuthorizationExtras(setup: ProviderSetup) {
  return async (ctx: KoaContext, value: unknown) => {
    // Polar raises this without a redirect URI: an error page, not a redirect to the app.
    if (value !== undefined && value !== "user" && value !== "organization") {
      throw pageOnlyError("Invalid sub_type");
    }
    const params = (ctx.oidc?.params ?? {}) as Params;
    // oidc-provider has already reduced params.scope to known scopes; the request still has them all.
    const requested = ctx.query.scope;
    const unknown = splitScope(typeof requested === "string" ? requested : undefined).filter(
      (scope) => !isSupportedScope(scope),
    );
    if (unknown.length > 0) {
      throw new errors.InvalidScope(
        `The requested scope is invalid, unknown, or malformed: ${unknown.join(" ")}`,
        unknown.join(" "),
      );
    }
    const nonce = params.nonce;
    const clientId = ctx.oidc?.client?.clientId;
    if (typeof nonce === "string" && clientId && setup.store.hasPendingNonce(clientId, nonce)) {
      throw new errors.InvalidRequest(
        'Invalid "nonce" value: it is already used by a pending authorization code',
      );
    }
  };
}

/**
 * Builds the oidc-provider instance that runs authorization, sessions, codes, the token endpoint and
 * JWKS with Polar's behaviour: Polar token formats, user tokens only (an organization sign-in is a
 * user token down-scoped to one organization), remembered consent per user and client, refresh
 * rotation that kills the old pair, single-use codes, email claims in the id_token, PKCE required
 * for public clients.
 */
export function createPolarProvider(setup: ProviderSetup): Provider {
  const { store } = setup;
  const configuration: Configuration = {
    adapter: (name: string) => store.adapterFor(name),
    jwks: { keys: publishedKeys(setup) },
    cookies: {
      keys: setup.cookieKeys,
      names: {
        session: "_polar_emulator_session",
        interaction: "_polar_emulator_interaction",
        resume: "_polar_emulator_resume",
      },
      // Lax (not oidc-provider's default None): browsers drop SameSite=None cookies without Secure over http.
      long: { httpOnly: true, sameSite: "lax" },
      short: { httpOnly: true, sameSite: "lax" },
    },
    routes: {
      authorization: ROUTES.authorization,
      token: ROUTES.token,
      userinfo: ROUTES.userinfo,
      revocation: ROUTES.revocation,
      introspection: ROUTES.introspection,
      registration: ROUTES.registration,
      jwks: ROUTES.jwks,
      end_session: "/oauth2/logout",
    },
    scopes: [...POLAR_SCOPES],
    claims: { openid: ["sub", "auth_time", "name"], email: ["email", "email_verified"] },
    conformIdTokenClaims: false,
    responseTypes: ["code"],
    clientAuthMethods: ["client_secret_basic", "client_secret_post", "none"],
    clientDefaults: {
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
      id_token_signed_response_alg: "RS256",
    },
    pkce: {
      methods: ["S256"], // plain challenges are converted to S256 in routes/authorize.ts
      required: (_ctx: KoaContext, client: { clientAuthMethod: string }) =>
        client.clientAuthMethod === "none",
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: false },
      revocation: { enabled: false },
      introspection: { enabled: false },
      registration: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      claimsParameter: { enabled: false },
    },
    // `sub` is accepted and ignored, as Polar does ("the legacy `sub` param is ignored").
    extraParams: {
      sub_type: validateAuthorizationExtras(setup),
      sub: null,
      [REDIRECT_URI_OMITTED]: null,
    },
    interactions: {
      url: (_ctx: KoaContext, interaction: { uid: string }) =>
        `${ROUTES.interaction}/${interaction.uid}`,
    },
    findAccount: async (_ctx: KoaContext, id: string): Promise<Account | undefined> => {
      const claims = userClaims(setup, id);
      if (!claims) return undefined;
      return { accountId: id, claims: () => claims };
    },
    loadExistingGrant: async (ctx: KoaContext) => {
      const oidc = ctx.oidc;
      if (!oidc?.client) return undefined;
      const decided = oidc.result?.consent?.grantId;
      if (decided) return provider.Grant.find(decided);
      const accountId = oidc.session?.accountId;
      if (!accountId || oidc.result?.login) return undefined;
      const params = (oidc.params ?? {}) as Params;
      if (!autoApproves(store, accountId, oidc.client.clientId, params)) return undefined;
      // Auto-approval selects no organization, so Polar's _resolve_organization_ids refuses it.
      if (params.sub_type === "organization") {
        throw pageOnlyError("sub_type=organization requires selecting an organization");
      }
      // A fresh grant: no down-scope (Polar: no selection means every organization).
      const grant = new provider.Grant({ accountId, clientId: oidc.client.clientId });
      if (typeof params.scope === "string" && params.scope) grant.addOIDCScope(params.scope);
      await grant.save();
      return grant;
    },
    expiresWithSession: async () => false,
    issueRefreshToken: async (_ctx: KoaContext, client: { grantTypeAllowed(g: string): boolean }) =>
      client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: true,
    allowOmittingSingleRegisteredRedirectUri: true,
    clientBasedCORS: () => true,
    ttl: {
      AccessToken: (_ctx: KoaContext, token: { gty?: string }) =>
        String(token.gty ?? "").endsWith("refresh_token")
          ? LIFETIMES.accessTokenFromRefresh
          : LIFETIMES.accessTokenFromCode,
      AuthorizationCode: LIFETIMES.authorizationCode,
      IdToken: LIFETIMES.idToken,
      RefreshToken: LIFETIMES.refreshToken,
      Grant: LIFETIMES.grant,
      Session: LIFETIMES.session,
      Interaction: LIFETIMES.interaction,
    },
    renderError: async (ctx: KoaContext, out: { error: string; error_description?: string }) => {
      // Polar's page renders the API's 400 as an error component with a success status.
      const apiStatus = ctx.status;
      if (apiStatus === 400) ctx.status = 200;
      ctx.type = "html";
      ctx.set("Content-Security-Policy", PAGE_CSP);
      ctx.body = renderErrorPage({
        status: apiStatus,
        error: out.error,
        description: out.error_description,
      });
    },
  };

  const provider = new Provider(setup.issuer, configuration);
  // Client metadata is validated by Polar's rules (registration-rules.ts), which allow custom schemes.
  provider.Client.Schema.prototype.redirectUris = () => {};

  provider.AccessToken.prototype.generateTokenId = function () {
    this.format = "opaque"; // access tokens use oidc-provider's "dynamic" format, which records the resolved one
    return generatePolarToken(TOKEN_PREFIX.accessToken);
  };
  provider.RefreshToken.prototype.generateTokenId = () =>
    generatePolarToken(TOKEN_PREFIX.refreshToken);
  provider.AuthorizationCode.prototype.generateTokenId = () =>
    generatePolarToken(TOKEN_PREFIX.authorizationCode);
  // Polar deletes a code when it is redeemed: a replay is simply "not found" (invalid_grant).
  provider.AuthorizationCode.prototype.consume = async function () {
    await this.adapter.destroy(this.jti);
  };
  // A refresh revokes the old refresh token and the access token issued with it.
  provider.RefreshToken.prototype.consume = async function () {
    const partner = store.partnerOf(this.jti);
    await this.adapter.destroy(this.jti);
    if (partner) store.remove("AccessToken", partner);
  };
  return provider;
}

/** Content-Security-Policy for every HTML page: no scripts, no external styles, images from anywhere (app logos). */
export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; base-uri 'none'; frame-ancestors 'none'";
