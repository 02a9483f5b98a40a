const UNUSABLE_SCHEMES = new Set(["javascript:", "data:", "vbscript:", "file:", "blob:", "about:"]);

/**
 * Python's `IPv4Address(host).is_private`, which Polar's `_is_localhost`
 * (server/polar/oauth2/schemas.py) uses to allow plain http. Polar runs Python 3.14
 * (server/Dockerfile), whose `Lib/ipaddress.py` lists 0/8, 10/8, 127/8, 169.254/16,
 * 172.16/12, 192.0.0/24 except 192.0.0.9 and 192.0.0.10, 192.0.2/24, 192.168/16,
 * 198.18/15, 198.51.100/24, 203.0.113/24 and 240/4 (older Pythons had only 192.0.0/29 and
 * 192.0.0.170/31 of 192.0.0/24). Like Python, a leading zero is not an address.
 */
export function isPythonPrivateIPv4(host: string): boolean {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p))) return false;
  const [a, b, c, d] = parts.map(Number) as [number, number, number, number];
  if ([a, b, c, d].some((n) => n > 255)) return false;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 0 && c === 0 && d !== 9 && d !== 10) ||
    (a === 192 && b === 0 && c === 2) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    a >= 240
  );
}

/**
 * Whether Polar's server would register this redirect URI: an absolute URL with a host and
 * without fragment (Authlib 1.7.2's `is_valid_url(uri, fragments_allowed=False)`, so
 * `com.example.app:/cb` is refused), plain http only for `localhost`, `*.localhost` and
 * private IPv4 hosts (Polar's `URIOrLocalhost`); userinfo and http in any environment pass.
 * The kit's {@link validateRedirectUri} is stricter on purpose; the CLI uses this to say when
 * it refuses what Polar would accept.
 */
export function polarAcceptsRedirectUri(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  // urlparse reads `…/cb#` as an empty fragment, which Authlib lets through.
  if (url.hash !== "" || url.hostname === "" || UNUSABLE_SCHEMES.has(url.protocol)) return false;
  if (url.protocol !== "http:") return true;
  const host = url.hostname;
  return host === "localhost" || host.endsWith(".localhost") || isPythonPrivateIPv4(host);
}
