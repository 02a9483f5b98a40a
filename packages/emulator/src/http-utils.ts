import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import type { KoaContext } from "oidc-provider";

/** Largest request body the emulator reads (oidc-provider uses the same limit). */
export const BODY_LIMIT_BYTES = 56 * 1024;

/** Thrown for a request the emulator refuses before routing; carries the HTTP status. */
export class BadRequestBody extends Error {
  constructor(
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
  }
}

/** Reads the whole request body (up to 56 kB). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > BODY_LIMIT_BYTES) throw new BadRequestBody("request body too large", 413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > BODY_LIMIT_BYTES) throw new BadRequestBody("request body too large", 413);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads the body and puts an identical, unread stream in `ctx.req`, so oidc-provider parses the same
 * bytes afterwards while the emulator has already seen them (e.g. to find the client for rate limits).
 */
export async function peekBody(ctx: KoaContext): Promise<Buffer> {
  const body = await readBody(ctx.req);
  replayBody(ctx, body);
  return body;
}

/** Replaces the request body the next middleware reads (after {@link peekBody}). */
export function replayBody(ctx: KoaContext, body: Buffer): void {
  const original = ctx.req;
  if (original.headers["content-length"] !== undefined) {
    original.headers["content-length"] = String(body.length);
  }
  const replay = Readable.from(body.length > 0 ? [body] : []) as Readable & Record<string, unknown>;
  for (const key of [
    "headers",
    "rawHeaders",
    "method",
    "url",
    "httpVersion",
    "socket",
    "connection",
  ] as const) {
    replay[key] = (original as unknown as Record<string, unknown>)[key];
  }
  ctx.req = replay as unknown as IncomingMessage;
}

/** The media type of the request without parameters, lowercased. */
export function mediaType(ctx: KoaContext): string {
  return (ctx.get("content-type").split(";")[0] ?? "").trim().toLowerCase();
}

/** Parses an `application/x-www-form-urlencoded` body; the first value of a repeated field wins. */
export function parseForm(body: Buffer): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body.toString("utf8"))) {
    if (!(key in params)) params[key] = value;
  }
  return params;
}

/** Credentials from an `Authorization: Basic` header (form-urlencoded per RFC 6749 §2.3.1). */
export function parseBasicAuth(
  header: string,
): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replaceAll("+", " ")),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1).replaceAll("+", " ")),
    };
  } catch {
    return undefined;
  }
}

/** The token of an `Authorization: Bearer` header, or undefined. */
export function bearerToken(ctx: KoaContext): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get("authorization"));
  return match?.[1];
}

/** Answers with a JSON body and `Cache-Control: no-store`. */
export function sendJson(ctx: KoaContext, status: number, body: unknown): void {
  ctx.status = status;
  ctx.set("Cache-Control", "no-store");
  ctx.type = "application/json";
  ctx.body = JSON.stringify(body);
}

/** Answers with an RFC 6749-shaped error. */
export function sendOAuthError(
  ctx: KoaContext,
  status: number,
  error: string,
  description: string,
): void {
  sendJson(ctx, status, { error, error_description: description });
}

/** Permissive CORS for the JSON API routes (the emulator is a development server). */
export function allowCors(ctx: KoaContext, methods: string): boolean {
  const origin = ctx.get("origin");
  if (origin) {
    ctx.set("Access-Control-Allow-Origin", origin);
    ctx.set("Vary", "Origin");
    ctx.set("Access-Control-Expose-Headers", "WWW-Authenticate, Retry-After");
  }
  if (ctx.method === "OPTIONS") {
    ctx.set("Access-Control-Allow-Methods", methods);
    ctx.set("Access-Control-Allow-Headers", "Authorization, Content-Type");
    ctx.set("Access-Control-Max-Age", "3600");
    ctx.status = 204;
    ctx.body = null;
    return true;
  }
  return false;
}
