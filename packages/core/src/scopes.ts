/** Every scope Polar's OAuth server accepts, exactly as it spells them. */
export const POLAR_SCOPES = [
  "openid",
  "profile",
  "email",
  "user:read",
  "user:write",
  "organizations:read",
  "organizations:write",
  "custom_fields:read",
  "custom_fields:write",
  "discounts:read",
  "discounts:write",
  "checkout_links:read",
  "checkout_links:write",
  "checkouts:read",
  "checkouts:write",
  "transactions:read",
  "transactions:write",
  "payouts:read",
  "payouts:write",
  "products:read",
  "products:write",
  "benefits:read",
  "benefits:write",
  "events:read",
  "events:write",
  "meters:read",
  "meters:write",
  "files:read",
  "files:write",
  "subscriptions:read",
  "subscriptions:write",
  "customers:read",
  "customers:write",
  "members:read",
  "members:write",
  "wallets:read",
  "wallets:write",
  "disputes:read",
  "disputes:write",
  "customer_meters:read",
  "customer_sessions:write",
  "member_sessions:write",
  "customer_seats:read",
  "customer_seats:write",
  "orders:read",
  "orders:write",
  "refunds:read",
  "refunds:write",
  "payments:read",
  "metrics:read",
  "metrics:write",
  "webhooks:read",
  "webhooks:write",
  "license_keys:read",
  "license_keys:write",
  "customer_portal:read",
  "customer_portal:write",
  "notifications:read",
  "notifications:write",
  "notification_recipients:read",
  "notification_recipients:write",
] as const;

/** A scope string Polar accepts. */
export type PolarScope = (typeof POLAR_SCOPES)[number];

/** The scopes the kit requests when none are configured: enough to sign a person in. */
export const DEFAULT_SCOPES: readonly PolarScope[] = ["openid", "profile", "email"];

const known = new Set<string>(POLAR_SCOPES);

/** True when Polar accepts this exact scope string. */
export function isPolarScope(scope: string): scope is PolarScope {
  return known.has(scope);
}

/** Splits a space-separated scope string, dropping empty parts and duplicates. */
export function parseScopes(value: string): string[] {
  return [...new Set(value.split(/\s+/).filter(Boolean))];
}

/** The closest Polar scope to a misspelt one, or undefined when nothing is close. */
export function suggestScope(scope: string): PolarScope | undefined {
  let best: PolarScope | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of POLAR_SCOPES) {
    const d = editDistance(scope.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(scope.length / 4)) ? best : undefined;
}

/** Explains why a scope is unknown, with a "did you mean" when one is close. */
export function describeUnknownScope(scope: string): string {
  const hint = suggestScope(scope);
  return hint
    ? `"${scope}" is not a Polar scope; did you mean "${hint}"?`
    : `"${scope}" is not a Polar scope.`;
}

/** Levenshtein distance; small inputs only. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
