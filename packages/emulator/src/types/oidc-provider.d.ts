// Minimal typings for the parts of oidc-provider 8.x (and its Koa 2 context) the emulator uses.
// The package ships no types; these describe only what src/ touches.
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  /** The subset of a Koa 2 context the emulator reads and writes. */
  export interface KoaContext {
    req: IncomingMessage;
    res: ServerResponse;
    method: string;
    path: string;
    url: string;
    querystring: string;
    query: Record<string, string | string[] | undefined>;
    headers: Record<string, string | string[] | undefined>;
    ip: string;
    protocol: string;
    host: string;
    href: string;
    params?: Record<string, string>;
    response: { get(field: string): string };
    status: number;
    body: unknown;
    type: string;
    respond?: boolean;
    get(field: string): string;
    set(field: string, value: string): void;
    remove(field: string): void;
    redirect(url: string): void;
    accepts(...types: string[]): string | false;
    readonly oidc?: OidcContext;
  }

  export type KoaNext = () => Promise<void>;
  export type KoaMiddleware = (ctx: KoaContext, next: KoaNext) => Promise<void>;

  export interface OidcContext {
    route?: string;
    client?: Client;
    params?: Record<string, unknown>;
    session?: { accountId?: string };
    result?: { consent?: { grantId?: string }; login?: { accountId?: string } };
    entities: {
      AccessToken?: StoredToken;
      RefreshToken?: StoredToken;
      RotatedRefreshToken?: StoredToken;
      AuthorizationCode?: StoredToken;
    };
  }

  export interface StoredToken {
    jti: string;
    grantId?: string;
    clientId?: string;
    accountId?: string;
  }

  export interface Client {
    clientId: string;
    clientAuthMethod: string;
    grantTypeAllowed(grantType: string): boolean;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown>> | Record<string, unknown>;
  }

  export interface GrantInstance {
    jti?: string;
    accountId?: string;
    clientId?: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    getOIDCScope(): string;
    save(): Promise<string>;
  }

  export interface GrantClass {
    new (init: { accountId: string; clientId: string }): GrantInstance;
    find(id: string): Promise<GrantInstance | undefined>;
  }

  export interface InteractionDetails {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, string | undefined>;
    session?: { accountId?: string; uid?: string };
    grantId?: string;
    returnTo: string;
  }

  export interface Adapter {
    upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void>;
    find(id: string): Promise<Record<string, unknown> | undefined>;
    findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined>;
    findByUid(uid: string): Promise<Record<string, unknown> | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export type Configuration = Record<string, unknown>;

  /** A token class whose id generation and consumption the emulator overrides. */
  export interface TokenClass {
    prototype: {
      generateTokenId(this: { grantId?: string; format?: string }): string;
      consume(this: { jti: string; adapter: Adapter }): Promise<void>;
    };
  }

  export class Provider {
    constructor(issuer: string, configuration: Configuration);
    issuer: string;
    Grant: GrantClass;
    AccessToken: TokenClass;
    RefreshToken: TokenClass;
    AuthorizationCode: TokenClass;
    Client: { Schema: { prototype: { redirectUris(...args: unknown[]): void } } };
    use(middleware: KoaMiddleware): void;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export class OIDCProviderError extends Error {
    error: string;
    error_description?: string;
    status: number;
    statusCode: number;
  }

  export const errors: {
    OIDCProviderError: typeof OIDCProviderError;
    InvalidRequest: new (description?: string) => OIDCProviderError;
    InvalidScope: new (description: string, scope: string) => OIDCProviderError;
  };

  export default Provider;
}
