import { POLAR_SCOPES } from "../scopes.js";

const KNOWN = new Set<string>(POLAR_SCOPES);
const READS = /^(list|get|iter)/;

/**
 * The scope Polar checks for an SDK call, from the SDK's naming: service `checkoutLinks` maps
 * to `checkout_links`, `list`/`get`/`iter…` methods need `:read`, others `:write` (Polar's
 * `server/polar/<resource>/auth.py` accept `:write` for reads too, so `:read` is the least to
 * ask for). Undefined when no such scope exists.
 */
export function scopeOf(service: string, method: string): string | undefined {
  const resource = service.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const scope = `${resource}:${READS.test(method) ? "read" : "write"}`;
  return KNOWN.has(scope) ? scope : undefined;
}
