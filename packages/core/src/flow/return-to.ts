/** Longest `returnTo` accepted; longer ones fall back to the default. */
export const MAX_RETURN_TO_LENGTH = 1024;

/**
 * Where a login may send the browser afterwards: only a path on the app's own origin.
 * Refuses absolute and protocol-relative URLs (`//host`, `/\host`), backslashes, control
 * characters and whitespace, any scheme (`javascript:`, `data:`), percent-encoded variants of
 * those, and paths that the URL parser would turn into another host. Returns the absolute URL
 * on `appOrigin`, or undefined when `value` is unsafe.
 */
export function safeReturnTo(value: unknown, appOrigin: string): string | undefined {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_RETURN_TO_LENGTH) {
    return undefined;
  }
  if (!isSafeRawPath(value)) return undefined;
  let decoded = value;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return undefined;
    }
    if (next === decoded) break;
    if (!isSafeDecodedPath(next)) return undefined;
    decoded = next;
  }
  let url: URL;
  try {
    url = new URL(value, appOrigin);
  } catch {
    return undefined;
  }
  if (url.origin !== appOrigin) return undefined;
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (!isSafeRawPath(path)) return undefined;
  return `${appOrigin}${path}`;
}

/** Starts with exactly one slash (not `//` or `/\`). */
function startsWithSinglePath(path: string): boolean {
  return path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\");
}

/** As received: a single leading slash, no backslash, no whitespace or control characters. */
function isSafeRawPath(path: string): boolean {
  return (
    startsWithSinglePath(path) &&
    !path.includes("\\") &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    !/[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]/.test(
      path,
    )
  );
}

/** After percent-decoding: still a single leading slash, and no control characters. */
function isSafeDecodedPath(path: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  return startsWithSinglePath(path) && !/[\u0000-\u001f\u007f]/.test(path);
}
