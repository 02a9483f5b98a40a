import { randomBytes } from "node:crypto";
import {
  type Answer,
  type LocalServer,
  type RecordedRequest,
  startLocalServer,
} from "./local-server.js";

/** A token in Polar's shape: prefix + 37 alphanumerics + 6-character checksum. */
export function polarToken(prefix: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(43);
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

interface StoredClient {
  metadata: Record<string, unknown>;
  clientSecret: string | undefined;
  registrationToken: string;
  issuedAt: number;
}

/**
 * A local imitation of Polar's client-registration endpoints (RFC 7591/7592 under
 * `/v1/oauth2`), answering the way polar.sh does: 201 on register, 400 `access_denied`
 * without a credential, 401 `invalid_client` for a wrong token or unknown client, 204 on
 * delete. `override` answers first when it returns one.
 */
export interface FakePolar extends LocalServer {
  clients: Map<string, StoredClient>;
  override: ((request: RecordedRequest) => Answer | "hang" | undefined) | undefined;
}

const DEFAULTS = {
  token_endpoint_auth_method: "client_secret_post",
  grant_types: ["authorization_code", "refresh_token"],
  response_types: ["code"],
  scope: "openid profile email",
};

export async function startFakePolar(): Promise<FakePolar> {
  const clients = new Map<string, StoredClient>();
  const fake = { clients, override: undefined } as unknown as FakePolar;

  const present = (clientId: string, client: StoredClient) => ({
    ...client.metadata,
    client_id: clientId,
    client_id_issued_at: client.issuedAt,
    client_secret_expires_at: 0,
    ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
    registration_client_uri: `${fake.url}/v1/oauth2/register/${clientId}`,
    registration_access_token: client.registrationToken,
  });

  const bearer = (request: RecordedRequest) =>
    /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];

  const handle = (request: RecordedRequest): Answer | "hang" => {
    const overridden = fake.override?.(request);
    if (overridden) return overridden;
    const url = new URL(request.url, "http://fake");

    if (request.method === "POST" && url.pathname === "/v1/oauth2/register") {
      const body = request.json as Record<string, unknown> | undefined;
      if (!body || typeof body.client_name !== "string" || !Array.isArray(body.redirect_uris)) {
        return {
          status: 422,
          body: { detail: [{ loc: ["body", "client_name"], msg: "Field required" }] },
        };
      }
      const metadata = { ...DEFAULTS, ...body };
      const clientId = polarToken("polar_ci_");
      const client: StoredClient = {
        metadata,
        clientSecret:
          metadata.token_endpoint_auth_method === "none" ? undefined : polarToken("polar_cs_"),
        registrationToken: polarToken("polar_crt_"),
        issuedAt: Math.floor(Date.now() / 1000),
      };
      clients.set(clientId, client);
      return { status: 201, body: present(clientId, client) };
    }

    const match = /^\/v1\/oauth2\/register\/([^/]+)$/.exec(url.pathname);
    if (match) {
      const clientId = decodeURIComponent(match[1]!);
      const token = bearer(request);
      if (!token) {
        return {
          status: 400,
          body: { error: "access_denied", error_description: "Authentication required." },
        };
      }
      const client = clients.get(clientId);
      if (!client || token !== client.registrationToken) {
        return {
          status: 401,
          body: { error: "invalid_client", error_description: "Invalid client or token." },
        };
      }
      if (request.method === "GET") return { status: 200, body: present(clientId, client) };
      if (request.method === "DELETE") {
        clients.delete(clientId);
        return { status: 204 };
      }
      if (request.method === "PUT") {
        const body = request.json as Record<string, unknown>;
        if (body.client_id !== clientId) {
          return {
            status: 400,
            body: { error: "invalid_request", error_description: "client_id mismatch." },
          };
        }
        const { client_id: _, ...metadata } = body;
        client.metadata = { ...DEFAULTS, ...metadata };
        return { status: 200, body: present(clientId, client) };
      }
    }

    return { status: 404, body: { detail: "Not Found" } };
  };

  const server = await startLocalServer(handle);
  return Object.assign(fake, server);
}
