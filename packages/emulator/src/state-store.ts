import type { Adapter } from "oidc-provider";
import type { ClientRegistry } from "./client-registry.js";

interface Entry {
  payload: Record<string, unknown>;
  /** Milliseconds on the emulator clock, or null for "never". */
  expiresAt: number | null;
}

/** A JSON-serialisable copy of everything the store holds. */
export interface StoreSnapshot {
  models: Record<string, Array<[string, Entry]>>;
  pairs: Array<[string, string]>;
  /** Grant id → the organizations its tokens are down-scoped to (absent or empty: all). */
  downScopes?: Array<[string, string[]]>;
  /** user + client → the scope the user last consented to (Polar's OAuth2Grant row). */
  grantedScopes?: Array<[string, string]>;
}

const TOKEN_MODELS = ["AccessToken", "RefreshToken", "AuthorizationCode"] as const;

/**
 * In-memory state behind oidc-provider (its adapter) plus what Polar needs on top: which access and
 * refresh token were issued together, the organizations each grant's tokens are down-scoped to,
 * and the scope each user last granted each client (remembered consent).
 * Expiry uses the emulator clock, so an injected `now` expires codes and tokens.
 */
export class StateStore {
  readonly #models = new Map<string, Map<string, Entry>>();
  readonly #pairs = new Map<string, string>();
  readonly #downScopes = new Map<string, string[]>();
  readonly #grantedScopes = new Map<string, string>();
  readonly #codesWithoutRedirectUri = new Set<string>();
  #writes = 0;

  constructor(
    private readonly now: () => number,
    private readonly clients: ClientRegistry,
    private readonly onChange: () => void = () => {},
  ) {}

  #model(name: string): Map<string, Entry> {
    let model = this.#models.get(name);
    if (!model) {
      model = new Map();
      this.#models.set(name, model);
    }
    return model;
  }

  #live(name: string, id: string): Entry | undefined {
    const model = this.#model(name);
    const entry = model.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt !== null && entry.expiresAt <= this.now()) {
      this.remove(name, id);
      return undefined;
    }
    return entry;
  }

  /** The payload stored under `id` if present and not expired. */
  find(name: string, id: string): Record<string, unknown> | undefined {
    return this.#live(name, id)?.payload;
  }

  /** Deletes one entry and the links that point at it. */
  remove(name: string, id: string): void {
    const model = this.#model(name);
    if (!model.delete(id)) return;
    if (name === "AccessToken" || name === "RefreshToken") {
      const partner = this.#pairs.get(id);
      this.#pairs.delete(id);
      if (partner) this.#pairs.delete(partner);
    }
    if (name === "Grant") this.#downScopes.delete(id);
    if (name === "AuthorizationCode") this.#codesWithoutRedirectUri.delete(id);
    this.onChange();
  }

  /** The adapter oidc-provider uses for model `name`. Clients are served from the registry. */
  adapterFor(name: string): Adapter {
    if (name === "Client") return this.#clientAdapter();
    return {
      upsert: async (id, payload, expiresIn) => {
        this.#model(name).set(id, {
          payload: { ...payload },
          expiresAt: expiresIn ? this.now() + expiresIn * 1000 : null,
        });
        if (++this.#writes % 500 === 0) this.sweep();
        this.onChange();
      },
      find: async (id) => this.find(name, id),
      findByUserCode: async () => undefined,
      findByUid: async (uid) => {
        for (const [id, entry] of this.#model(name)) {
          if (entry.payload.uid === uid) return this.find(name, id);
        }
        return undefined;
      },
      consume: async (id) => {
        const entry = this.#live(name, id);
        if (entry) entry.payload.consumed = Math.floor(this.now() / 1000);
        this.onChange();
      },
      destroy: async (id) => this.remove(name, id),
      revokeByGrantId: async (grantId) => {
        const model = this.#model(name);
        for (const [id, entry] of model)
          if (entry.payload.grantId === grantId) this.remove(name, id);
      },
    };
  }

  #clientAdapter(): Adapter {
    const readOnly = async () => {};
    return {
      upsert: readOnly,
      find: async (id) => this.clients.toOidcMetadata(id),
      findByUserCode: async () => undefined,
      findByUid: async () => undefined,
      consume: readOnly,
      destroy: readOnly,
      revokeByGrantId: readOnly,
    };
  }

  /** Records that the authorization request of this code sent no `redirect_uri` (Polar stores None). */
  markCodeWithoutRedirectUri(codeId: string): void {
    this.#codesWithoutRedirectUri.add(codeId);
  }

  /** True when the code's authorization request sent no `redirect_uri`. */
  codeHasNoRedirectUri(codeId: string): boolean {
    return this.#codesWithoutRedirectUri.has(codeId);
  }

  /** Records that an access token and a refresh token were issued together (a Polar token row). */
  linkPair(accessTokenId: string, refreshTokenId: string): void {
    this.#pairs.set(accessTokenId, refreshTokenId);
    this.#pairs.set(refreshTokenId, accessTokenId);
    this.onChange();
  }

  /** The token issued together with `tokenId`, if any. */
  partnerOf(tokenId: string): string | undefined {
    return this.#pairs.get(tokenId);
  }

  /** Down-scopes a grant's tokens to these organizations (Polar's `organization_scopes` rows). */
  setDownScope(grantId: string, organizationIds: string[]): void {
    this.#downScopes.set(grantId, [...organizationIds]);
    this.onChange();
  }

  /** The organizations a grant's tokens are limited to; empty means every organization of the user. */
  downScopeOf(grantId: string | undefined): string[] {
    return [...((grantId && this.#downScopes.get(grantId)) || [])];
  }

  /**
   * Records the scope a user consented to for a client. Like Polar's `create_or_update_grant`,
   * there is one record per user and client, and a new consent replaces its scope.
   */
  rememberConsent(accountId: string, clientId: string, scope: string): void {
    this.#grantedScopes.set(consentKey(accountId, clientId), scope);
    this.onChange();
  }

  /** The scope the user last consented to for this client, if any. */
  grantedScope(accountId: string, clientId: string): string | undefined {
    return this.#grantedScopes.get(consentKey(accountId, clientId));
  }

  /** Removes every code, token and grant of a client (used when the client is deleted). */
  revokeClient(clientId: string): void {
    for (const name of [...TOKEN_MODELS, "Grant"]) {
      for (const [id, entry] of [...this.#model(name)]) {
        if (entry.payload.clientId === clientId) this.remove(name, id);
      }
    }
    for (const [key] of this.#grantedScopes)
      if (key.split("\u0000")[1] === clientId) this.#grantedScopes.delete(key);
  }

  /** True when an unredeemed authorization code of this client carries this nonce. */
  hasPendingNonce(clientId: string, nonce: string): boolean {
    for (const [id, entry] of this.#model("AuthorizationCode")) {
      if (
        entry.payload.clientId === clientId &&
        entry.payload.nonce === nonce &&
        this.find("AuthorizationCode", id)
      ) {
        return true;
      }
    }
    return false;
  }

  /** Drops expired entries. */
  sweep(): void {
    const now = this.now();
    for (const [name, model] of this.#models) {
      for (const [id, entry] of [...model]) {
        if (entry.expiresAt !== null && entry.expiresAt <= now) this.remove(name, id);
      }
    }
  }

  snapshot(): StoreSnapshot {
    this.sweep();
    const models: StoreSnapshot["models"] = {};
    for (const [name, model] of this.#models) models[name] = [...model];
    return {
      models,
      pairs: [...this.#pairs],
      downScopes: [...this.#downScopes],
      grantedScopes: [...this.#grantedScopes],
    };
  }

  restore(snapshot: StoreSnapshot): void {
    for (const [name, entries] of Object.entries(snapshot.models))
      this.#models.set(name, new Map(entries));
    for (const [k, v] of snapshot.pairs) this.#pairs.set(k, v);
    for (const [k, v] of snapshot.downScopes ?? []) this.#downScopes.set(k, v);
    for (const [k, v] of snapshot.grantedScopes ?? []) this.#grantedScopes.set(k, v);
    this.sweep();
  }
}

function consentKey(accountId: string, clientId: string): string {
  return [accountId, clientId].join("\u0000");
}
