import { timingSafeEqual } from "node:crypto";
import type { PolarClientMetadata } from "./registration-rules.js";
import { generatePolarToken, TOKEN_PREFIX } from "./token-formats.js";
import type { RegisteredClientResponse } from "./types.js";

/** A registered OAuth client with its credentials and owner. */
export interface ClientRecord {
  clientId: string;
  clientSecret?: string;
  registrationAccessToken: string;
  /** Fixture user id of the owner, or null for anonymous registrations. */
  ownerId: string | null;
  metadata: PolarClientMetadata;
  clientIdIssuedAt: number;
  createdAt: string;
  modifiedAt: string | null;
  /** Creation order, for newest-first listings. */
  seq: number;
  /** Set by DELETE: Polar soft-deletes (`set_deleted_at`); the client is then invisible. */
  deletedAt?: string | null;
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The clients the emulator knows: registration, RFC 7592 management and the owner's list (deleted ones stay, hidden). */
export class ClientRegistry {
  readonly #records = new Map<string, ClientRecord>();
  #seq = 0;

  constructor(
    private readonly now: () => number,
    private readonly onChange: () => void = () => {},
  ) {}

  /** Stores a new client; credentials are generated unless given. */
  create(
    metadata: PolarClientMetadata,
    options: {
      ownerId: string | null;
      clientId?: string;
      clientSecret?: string;
      registrationAccessToken?: string;
    },
  ): ClientRecord {
    const clientId = options.clientId ?? generatePolarToken(TOKEN_PREFIX.clientId);
    if (this.#records.has(clientId))
      throw new Error(`a client with client_id ${clientId} already exists`);
    const now = this.now();
    const record: ClientRecord = {
      clientId,
      clientSecret:
        metadata.token_endpoint_auth_method === "none"
          ? undefined
          : (options.clientSecret ?? generatePolarToken(TOKEN_PREFIX.clientSecret)),
      registrationAccessToken:
        options.registrationAccessToken ?? generatePolarToken(TOKEN_PREFIX.registrationAccessToken),
      ownerId: options.ownerId,
      metadata,
      clientIdIssuedAt: Math.floor(now / 1000),
      createdAt: new Date(now).toISOString(),
      modifiedAt: null,
      seq: ++this.#seq,
    };
    this.#records.set(clientId, record);
    this.onChange();
    return record;
  }

  /** A client that is not deleted (Polar's queries filter `~OAuth2Client.is_deleted`). */
  get(clientId: string): ClientRecord | undefined {
    const record = this.#records.get(clientId);
    return record && !record.deletedAt ? record : undefined;
  }

  /**
   * PUT as Polar does it (`ClientConfigurationEndpoint.update_client` in
   * server/polar/oauth2/authorization_server.py): the validated body, defaults filled and null
   * fields dropped, is merged over the stored metadata, so an omitted URI field keeps its value.
   * A confidential client keeps or gains a secret.
   */
  update(clientId: string, metadata: PolarClientMetadata): ClientRecord | undefined {
    const record = this.get(clientId);
    if (!record) return undefined;
    record.metadata = { ...record.metadata, ...metadata };
    if (metadata.token_endpoint_auth_method !== "none" && !record.clientSecret) {
      record.clientSecret = generatePolarToken(TOKEN_PREFIX.clientSecret);
    }
    record.modifiedAt = new Date(this.now()).toISOString();
    this.onChange();
    return record;
  }

  /** Removes a client for good (used when a fixed `client_id` is registered again at start). */
  delete(clientId: string): boolean {
    const deleted = this.#records.delete(clientId);
    if (deleted) this.onChange();
    return deleted;
  }

  /**
   * DELETE as Polar does it (`client.set_deleted_at()`): the row stays, hidden from every lookup,
   * and no token is revoked.
   */
  softDelete(clientId: string): boolean {
    const record = this.get(clientId);
    if (!record) return false;
    record.deletedAt = new Date(this.now()).toISOString();
    this.onChange();
    return true;
  }

  /** The owner's clients, newest first, one page of them. */
  listByOwner(
    ownerId: string,
    page: number,
    limit: number,
  ): { items: ClientRecord[]; totalCount: number } {
    const owned = [...this.#records.values()]
      .filter((r) => r.ownerId === ownerId && !r.deletedAt)
      .sort((a, b) => b.seq - a.seq);
    return { items: owned.slice((page - 1) * limit, page * limit), totalCount: owned.length };
  }

  /**
   * The RFC 7591 / 7592 response body. Like Polar (Authlib's `introspect_client` is
   * `{**client_info, **client_metadata}`), POST, GET and PUT all carry a confidential client's
   * secret; a public client's answer has neither secret field.
   */
  toRegistrationResponse(record: ClientRecord, baseUrl: string): RegisteredClientResponse {
    const isPublic = record.metadata.token_endpoint_auth_method === "none";
    return {
      client_id: record.clientId,
      ...(!isPublic ? { client_secret: record.clientSecret } : {}),
      client_id_issued_at: record.clientIdIssuedAt,
      ...(isPublic ? {} : { client_secret_expires_at: 0 }),
      ...record.metadata,
      registration_client_uri: `${baseUrl}/v1/oauth2/register/${encodeURIComponent(record.clientId)}`,
      registration_access_token: record.registrationAccessToken,
    };
  }

  /** An item of `GET /v1/oauth2/` (Polar's OAuth2Client schema: every field present, nulls included). */
  toListItem(record: ClientRecord): Record<string, unknown> {
    const m = record.metadata;
    return {
      created_at: record.createdAt,
      modified_at: record.modifiedAt,
      client_id: record.clientId,
      client_id_issued_at: record.clientIdIssuedAt,
      client_secret_expires_at: 0,
      client_name: m.client_name,
      client_uri: m.client_uri ?? null,
      logo_uri: m.logo_uri ?? null,
      tos_uri: m.tos_uri ?? null,
      policy_uri: m.policy_uri ?? null,
      redirect_uris: m.redirect_uris,
      token_endpoint_auth_method: m.token_endpoint_auth_method,
      grant_types: m.grant_types,
      response_types: m.response_types,
      scope: m.scope,
      default_sub_type: "user",
    };
  }

  /** The metadata oidc-provider needs to run the protocol for this client. */
  toOidcMetadata(clientId: string): Record<string, unknown> | undefined {
    const record = this.get(clientId);
    if (!record) return undefined;
    const m = record.metadata;
    const canUseCode = m.grant_types.includes("authorization_code");
    return {
      client_id: record.clientId,
      ...(record.clientSecret && m.token_endpoint_auth_method !== "none"
        ? { client_secret: record.clientSecret }
        : {}),
      client_name: m.client_name,
      redirect_uris: m.redirect_uris,
      grant_types: m.grant_types,
      response_types: canUseCode ? ["code"] : [],
      token_endpoint_auth_method: m.token_endpoint_auth_method,
      scope: m.scope,
    };
  }

  /** Every client of every owner (for persistence). */
  all(): ClientRecord[] {
    return [...this.#records.values()];
  }

  /** Replaces the content with persisted records. */
  restore(records: ClientRecord[]): void {
    this.#records.clear();
    for (const record of records) {
      this.#records.set(record.clientId, record);
      this.#seq = Math.max(this.#seq, record.seq);
    }
  }
}
