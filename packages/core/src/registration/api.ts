import { PolarApiError, PolarConfigError, PolarError } from "../errors.js";
import { type HttpOptions, requestPolar } from "../http.js";
import { type Secret, secret } from "../secret.js";
import {
  type PolarServer,
  registrationEndpoints,
  resolvePolarServer,
} from "../server/polar-servers.js";
import {
  type ClientList,
  type ClientMetadataInput,
  clientListSchema,
  clientMetadataSchema,
  type RegisteredClient,
  registeredClientSchema,
} from "./schema.js";

/** Where and as whom to call Polar's client-management endpoints. */
export interface RegistrationContext extends HttpOptions {
  /** `production`, `sandbox`, a compatible server's URL, or a resolved {@link PolarServer}. */
  server: PolarServer | string;
  /** A Personal Access Token (`Authorization: Bearer`), as the seed documents for registration. */
  accessToken?: string | Secret | undefined;
  /** The client's registration access token (`polar_crt_…`), for RFC 7592 read/update/delete. */
  registrationAccessToken?: string | Secret | undefined;
}

/**
 * Registers a new OAuth client (RFC 7591 `POST /v1/oauth2/register`). The answer carries the
 * client secret (confidential clients) and the registration access token, each as a
 * {@link Secret}: Polar shows the secret once, so store it before anything else.
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
    { method: "POST", headers: jsonHeaders(context.accessToken), body: JSON.stringify(body) },
    context,
  );
  return parseClient("client registration", status, answer);
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
 * Replaces a client's metadata (RFC 7592 `PUT`). Polar resets omitted fields to their
 * defaults, so pass the whole desired configuration, not just the changes.
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
 * Deletes a client (RFC 7592 `DELETE`). Polar revokes every access and refresh token issued to
 * it: its users must sign in again.
 */
export async function deleteClient(clientId: string, context: RegistrationContext): Promise<void> {
  await requestPolar(
    "client deletion",
    registrationEndpoints(toServer(context.server)).client(clientId),
    { method: "DELETE", headers: jsonHeaders(managementCredential(context)) },
    context,
  );
}

/** Lists the clients the access token's owner has (`GET /v1/oauth2/`, newest first). */
export async function listClients(
  context: RegistrationContext & { page?: number; limit?: number },
): Promise<ClientList> {
  if (!context.accessToken) {
    throw new PolarError(
      "POLAR_CREDENTIAL_MISSING",
      "Listing clients needs a Personal Access Token. Fix: set POLAR_ACCESS_TOKEN.",
    );
  }
  const url = new URL(registrationEndpoints(toServer(context.server)).list);
  url.searchParams.set("page", String(context.page ?? 1));
  url.searchParams.set("limit", String(Math.min(context.limit ?? 100, 100)));
  const { status, body } = await requestPolar(
    "client list",
    url.href,
    { headers: jsonHeaders(context.accessToken) },
    context,
  );
  const parsed = clientListSchema.safeParse(body);
  if (!parsed.success) throw badAnswer("client list", status);
  return parsed.data;
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
  const credential = context.registrationAccessToken ?? context.accessToken;
  if (!credential) {
    throw new PolarError(
      "POLAR_CREDENTIAL_MISSING",
      "Managing a client needs its registration access token or a Personal Access Token. Fix: set POLAR_REGISTRATION_TOKEN_<ENV> (written by `polar-oauth bootstrap`) or POLAR_ACCESS_TOKEN.",
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
