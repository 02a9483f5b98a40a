import { z } from "zod";
import { PolarDiscoveryError, PolarError } from "../errors.js";
import { type HttpOptions, requestPolar } from "../http.js";
import { POLAR_ISSUER, type PolarServer, type PolarServerMetadata } from "./polar-servers.js";

const metadataSchema = z.looseObject({
  issuer: z.url(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
  userinfo_endpoint: z.url().optional(),
  revocation_endpoint: z.url().optional(),
  introspection_endpoint: z.url().optional(),
  registration_endpoint: z.url().optional(),
});

const cache = new Map<string, Promise<Readonly<PolarServerMetadata>>>();

/**
 * The server's metadata: shipped data for Polar's hosted servers; for a custom URL, its
 * discovery document, fetched once per process (failures are not cached). The issuer must be
 * the server's own URL or Polar's constant `https://polar.sh` (the real server's quirk);
 * any other issuer is rejected.
 */
export function getServerMetadata(
  server: PolarServer,
  options: HttpOptions = {},
): Promise<Readonly<PolarServerMetadata>> {
  if (server.metadata) return Promise.resolve(server.metadata);
  const cached = cache.get(server.url);
  if (cached && !options.fetch) return cached;
  const pending = discover(server, options);
  if (!options.fetch) {
    cache.set(server.url, pending);
    pending.catch(() => cache.delete(server.url));
  }
  return pending;
}

/** Forgets discovered metadata (tests that restart a server on a reused URL). */
export function clearDiscoveryCache(): void {
  cache.clear();
}

async function discover(
  server: PolarServer,
  options: HttpOptions,
): Promise<Readonly<PolarServerMetadata>> {
  const url = `${server.url}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    ({ body } = await requestPolar(
      "discovery",
      url,
      { headers: { accept: "application/json" } },
      options,
    ));
  } catch (error) {
    if (error instanceof PolarError && error.code === "POLAR_UNREACHABLE") throw error;
    throw new PolarDiscoveryError(
      `Could not read ${url}: ${(error as Error).message} Is POLAR_SERVER a Polar-compatible server?`,
      { cause: error },
    );
  }
  const parsed = metadataSchema.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".") || "document").join(", ");
    throw new PolarDiscoveryError(
      `${url} is not an OpenID Provider configuration (missing or invalid: ${fields}).`,
    );
  }
  const issuer = parsed.data.issuer.replace(/\/+$/, "");
  if (issuer !== server.url && parsed.data.issuer !== POLAR_ISSUER) {
    throw new PolarDiscoveryError(
      `${url} names issuer ${parsed.data.issuer}, which is neither the server's own URL (${server.url}) nor Polar's ${POLAR_ISSUER}. Refusing a server that speaks for another issuer.`,
    );
  }
  return Object.freeze(parsed.data as PolarServerMetadata);
}
