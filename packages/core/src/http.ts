import { PolarApiError, PolarRateLimitError, PolarUnreachableError } from "./errors.js";

/** Network options every call to Polar accepts: an injectable fetch and a timeout. */
export interface HttpOptions {
  /** Replaces the global fetch (tests, proxies, instrumentation). */
  fetch?: typeof fetch;
  /** Milliseconds before the request is abandoned. Default 5000. */
  timeoutMs?: number;
}

/** Default timeout for calls to Polar, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 5000;

/** A parsed answer from Polar: status and JSON body (undefined for 204). */
export interface PolarResponse {
  status: number;
  body: unknown;
}

/**
 * Sends one request to Polar and returns its JSON answer. Maps every failure to a typed error
 * that names the endpoint: unreachable or timed out, 429 with Retry-After, OAuth errors
 * (`{error, error_description}`), schema errors (422 `{detail: [...]}`), non-JSON bodies.
 * Never puts the request (which may carry secrets) into an error.
 */
export async function requestPolar(
  endpoint: string,
  url: string,
  init: RequestInit,
  options: HttpOptions = {},
): Promise<PolarResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new PolarUnreachableError(originOf(url), describeNetworkFailure(error, timeoutMs), {
      cause: error,
    });
  }
  if (response.status === 429) {
    await response.body?.cancel();
    throw new PolarRateLimitError(endpoint, parseRetryAfter(response.headers.get("retry-after")));
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new PolarUnreachableError(originOf(url), describeNetworkFailure(error, timeoutMs), {
      cause: error,
    });
  }
  const body = parseJson(text);
  if (response.ok) {
    if (response.status !== 204 && text !== "" && body === undefined) {
      throw new PolarApiError(
        endpoint,
        response.status,
        `${endpoint} answered ${response.status} with a body that is not JSON.`,
        undefined,
        "POLAR_BAD_RESPONSE",
      );
    }
    return { status: response.status, body };
  }
  throw errorFromResponse(endpoint, response.status, body);
}

function errorFromResponse(endpoint: string, status: number, body: unknown): PolarApiError {
  // Schema errors: FastAPI's `{detail: [...]}`, which Polar sends as
  // `{"error":"RequestValidationError","detail":[...]}`.
  if (isRecord(body) && Array.isArray(body.detail)) {
    const fields = body.detail.map(describeValidationDetail).join("; ");
    return new PolarApiError(
      endpoint,
      status,
      `${endpoint} rejected the request (${status}): ${fields}.`,
      "invalid_request",
      "POLAR_VALIDATION_FAILED",
    );
  }
  if (isRecord(body) && typeof body.error === "string") {
    // OAuth errors are snake_case (`invalid_client`); Polar's own are a class name with a
    // `detail` string (`{"error":"NotPermitted","detail":"Not permitted"}`).
    const error = /^(?:[a-z_]{1,64}|[A-Z][A-Za-z]{1,63})$/.test(body.error) ? body.error : "error";
    const text =
      typeof body.error_description === "string"
        ? body.error_description
        : typeof body.detail === "string"
          ? body.detail
          : undefined;
    const description = text === undefined ? "" : `: ${serverText(text).replace(/[.\s]+$/, "")}`;
    return new PolarApiError(
      endpoint,
      status,
      `${endpoint} failed with ${status} ${error}${description}.`,
      error,
    );
  }
  if (isRecord(body) && typeof body.detail === "string") {
    return new PolarApiError(
      endpoint,
      status,
      `${endpoint} failed with ${status}: ${serverText(body.detail)}.`,
    );
  }
  return new PolarApiError(endpoint, status, `${endpoint} failed with HTTP ${status}.`);
}

function describeValidationDetail(detail: unknown): string {
  if (!isRecord(detail)) return String(detail);
  const loc = Array.isArray(detail.loc)
    ? serverText(detail.loc.filter((part) => part !== "body").join("."))
    : "";
  const msg = typeof detail.msg === "string" ? serverText(detail.msg) : "invalid";
  return loc ? `${loc}: ${msg}` : msg;
}

/**
 * Text a server sent, made safe to put in an error: control characters (C0, DEL, C1), bidi
 * controls and invisible marks, and anything shaped like a Polar credential (`polar_cs_…`,
 * `polar_at_…`, …) removed, at most 200 characters.
 */
export function serverText(text: string): string {
  const clean = text
    .replace(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
      /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+/g,
      " ",
    )
    .replace(/polar_(?!ci_)[a-z]{1,4}_[A-Za-z0-9_]+/g, "[redacted]")
    .trim();
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

/** Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  // An HTTP-date starts with the day name; Date.parse alone would read "-5" or "1.5" as years.
  if (!/^[A-Za-z]{3}/.test(value.trim())) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** Why a request got no answer, in words: a timeout, or the connection error code. */
export function describeNetworkFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  const code = (error as { cause?: { code?: string } })?.cause?.code;
  return code ? `connection failed (${code})` : "connection failed";
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
