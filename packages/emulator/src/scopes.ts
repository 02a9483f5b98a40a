/** Every scope string Polar's OAuth server accepts, in Polar's order. */
export const POLAR_SCOPES: readonly string[] = [
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
];

const SUPPORTED = new Set(POLAR_SCOPES);

/** True when Polar accepts this scope string. */
export function isSupportedScope(scope: string): boolean {
  return SUPPORTED.has(scope);
}

/** Splits a space-separated scope string, dropping empty parts and duplicates. */
export function splitScope(scope: string | undefined): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(/\s+/).filter(Boolean))];
}

const SPECIAL_WORDING: Record<string, string> = {
  openid: "Confirm who you are",
  profile: "See your basic profile",
  email: "See your email address",
  "user:read": "Read your user account",
  "user:write": "Change your user account",
  customer_sessions: "Create customer portal sessions",
  member_sessions: "Create member portal sessions",
};

/** A scope in plain words for the consent page, e.g. "products:write" → "Create and change products". */
export function describeScope(scope: string): string {
  const special = SPECIAL_WORDING[scope];
  if (special) return special;
  const [resource = scope, access] = scope.split(":");
  const special2 = SPECIAL_WORDING[resource];
  if (special2) return special2;
  const words = resource.replaceAll("_", " ");
  if (access === "read") return `Read ${words}`;
  if (access === "write") return `Create and change ${words}`;
  return scope;
}
