import { PolarApiError, PolarConfigError, PolarError } from "../errors.js";
import { type HttpOptions, requestPolar } from "../http.js";
import { type Secret, secret } from "../secret.js";
import {
  type PolarServer,
  registrationEndpoints,
  resolvePolarServer,
} from "../server/polar-servers.js";
import {
  type ClientMetadataInput,
  clientMetadataSchema,
  type RegisteredClient,
  registeredClientSchema,
} from "./schema.js";

/**
 * Where and with which credential to call Polar's client-management endpoints. There is no
 * Personal Access Token here: Polar refuses every API token on these endpoints (403
 * `NotPermitted`, `WebUserOrAnonymous` in server/polar/auth/dependencies.py). A program
 * registers anonymously and manages a client with that client's registration access token.
 */
export interface RegistrationContext extends HttpOptions {
  /** `production`, `sandbox`, a compatible server's URL, or a resolved {@link PolarServer}. */
  server: PolarServer | string;
  /** The client's registration access token (`polar_crt_…`), for RFC 7592 read/update/delete. */
  registrationAccessToken?: string | Secret | undefined;
}

/**
 * Registers a new OAuth client anonymously (RFC 7591 `POST /v1/oauth2/register`): such a
 * client belongs to no Polar account and is managed only with its registration access token.
 * The answer carries the client secret (confidential clients) and the registration access
 * token, each as a {@link Secret}: store them before anything else.
 */
export async function registerClient(
  metadata: ClientMetadataInput,
  context: RegistrationContext,
): Promise<RegisteredClient> {
  const body = parseMetadata(metadata);
  const server = toServer(context.server);
  const { status, body: answer } = await requestPolar(
    "client registration",
    registrationEndpoints(server).register,
    { method: "POST", headers: jsonHeaders(undefined), body: JSON.stringify(body) },
    context,
  );
  const client = parseClient("client registration", status, answer);
  checkRegisteredAsAsked(body, client, status);
  return client;
}

/**
 * A 201 must describe the client that was asked for: a confidential client carries its secret
 * (Polar shows it only now), and the redirect URIs are the requested ones, up to Polar's own
 * normalisation (host lowercased, a bare host's trailing slash). Anything else would leave a
 * half-registered client that looks like a working one.
 */
function checkRegisteredAsAsked(
  asked: ReturnType<typeof parseMetadata>,
  client: RegisteredClient,
  status: number,
): void {
  const problem = (what: string) =>
    new PolarApiError(
      "client registration",
      status,
      `client registration answered ${status} with ${what}. Nothing was stored; check POLAR_SERVER.`,
      undefined,
      "POLAR_BAD_RESPONSE",
    );
  if (client.token_endpoint_auth_method !== "none" && !client.client_secret) {
    throw problem("a confidential client but no client_secret");
  }
  const normalised = (uris: readonly string[]) => uris.map((uri) => normaliseUri(uri)).sort();
  const wanted = normalised(asked.redirect_uris);
  const got = normalised(client.redirect_uris);
  if (wanted.length !== got.length || wanted.some((uri, i) => uri !== got[i])) {
    throw problem("other redirect URIs than the ones asked for");
  }
}

/** The URI as a URL parser writes it (lowercased host, a bare host's `/`), or as given. */
function normaliseUri(uri: string): string {
  try {
    return new URL(uri).href;
  } catch {
    return uri;
  }
}

/** Reads a registered client back (RFC 7592 `GET /v1/oauth2/register/{client_id}`). */
export async function getClient(
  clientId: string,
  context: RegistrationContext,
): Promise<RegisteredClient> {
  const { status, body } = await requestPolar(
    "client read",
    registrationEndpoints(toServer(context.server)).client(clientId),
    { headers: jsonHeaders(managementCredential(context)) },
    context,
  );
  return parseClient("client read", status, body);
}

/**
 * Updates a client (RFC 7592 `PUT`). Polar validates the body with the registration defaults and
 * merges it over the stored metadata, skipping absent fields: an omitted `scope`, auth method or
 * grant list falls back to its default, while `client_uri`, `logo_uri`, `tos_uri` and
 * `policy_uri` can never be cleared (`update_client` in server/polar/oauth2/authorization_server.py).
 * Pass the whole desired configuration.
 */
export async function updateClient(
  clientId: string,
  metadata: ClientMetadataInput,
  context: RegistrationContext,
): Promise<RegisteredClient> {
  const body = { ...parseMetadata(metadata), client_id: clientId };
  const { status, body: answer } = await requestPolar(
    "client update",
    registrationEndpoints(toServer(context.server)).client(clientId),
    {
      method: "PUT",
      headers: jsonHeaders(managementCredential(context)),
      body: JSON.stringify(body),
    },
    context,
  );
  return parseClient("client update", status, answer);
}

/**
 * Deletes a client (RFC 7592 `DELETE`). Polar soft-deletes it (`set_deleted_at`): it can no
 * longer be read, sign users in, or refresh, introspect and revoke tokens; contrary to Polar's
 * docs no token is revoked, so access tokens already issued keep working until they expire.
 */
export async function deleteClient(clientId: string, context: RegistrationContext): Promise<void> {
  await requestPolar(
    "client deletion",
    registrationEndpoints(toServer(context.server)).client(clientId),
    { method: "DELETE", headers: jsonHeaders(managementCredential(context)) },
    context,
  );
}

function parseMetadata(metadata: ClientMetadataInput) {
  const parsed = clientMetadataSchema.safeParse(metadata);
  if (parsed.success) return parsed.data;
  throw new PolarConfigError(
    parsed.error.issues.map((issue) => ({
      variable: issue.path.join(".") || "client metadata",
      problem: `${issue.message}.`,
      fix: "Correct this field of the client metadata.",
    })),
  );
}

function parseClient(endpoint: string, status: number, body: unknown): RegisteredClient {
  const parsed = registeredClientSchema.safeParse(body);
  if (!parsed.success) throw badAnswer(endpoint, status);
  return parsed.data;
}

function badAnswer(endpoint: string, status: number): PolarApiError {
  return new PolarApiError(
    endpoint,
    status,
    `${endpoint} answered ${status} with a body that is not a Polar OAuth client.`,
    undefined,
    "POLAR_BAD_RESPONSE",
  );
}

function managementCredential(context: RegistrationContext): string | Secret {
  const credential = context.registrationAccessToken;
  if (!credential) {
    throw new PolarError(
      "POLAR_CREDENTIAL_MISSING",
      "Managing a client needs its registration access token (Polar refuses Personal Access Tokens here). Fix: set POLAR_REGISTRATION_TOKEN_<ENV> (written by `polar-oauth bootstrap`).",
    );
  }
  return credential;
}

function jsonHeaders(bearer: string | Secret | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    accept: "application/json",
    "content-type": "application/json",
  };
  if (bearer) headers.authorization = `Bearer ${secret(bearer).reveal()}`;
  return headers;
}

function toServer(server: PolarServer | string): PolarServer {
  if (typeof server !== "string") return server;
  const resolved = resolvePolarServer(server);
  if (!resolved) {
    throw new PolarConfigError([
      {
        variable: "POLAR_SERVER",
        problem: `"${server}" is neither production, sandbox nor an http(s) URL.`,
        fix: "Use production, sandbox, or the URL of a Polar-compatible server such as http://127.0.0.1:4000.",
      },
    ]);
  }
  return resolved;
}
