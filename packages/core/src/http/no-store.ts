import type { ServerResponse } from "node:http";
import onHeaders from "on-headers";
import { SESSION_COOKIE_CACHE_CONTROL } from "./types.js";

const enforced = new WeakMap<ServerResponse, string>();

/**
 * Makes a Node response that carries a session cookie leave with `Cache-Control: private,
 * no-store`, whatever the app sets before the headers are written (`public`, `s-maxage`,
 * `max-age`, headers passed to `writeHead`): the value is set in the last step before the
 * headers go out, so no shared cache stores someone's session. Call it when the kit adds a
 * cookie; repeated calls on one response hook it once. Responses without a kit cookie are
 * never touched. A kit answer passes its own `cacheControl` (`no-store`), which is kept.
 */
export function keepSessionResponsePrivate(
  res: ServerResponse,
  cacheControl: string = SESSION_COOKIE_CACHE_CONTROL,
): void {
  res.setHeader("Cache-Control", cacheControl);
  if (enforced.has(res) || res.headersSent) return;
  enforced.set(res, cacheControl);
  onHeaders(res, setCacheControl);
}

function setCacheControl(this: ServerResponse): void {
  this.setHeader("Cache-Control", enforced.get(this) ?? SESSION_COOKIE_CACHE_CONTROL);
}
