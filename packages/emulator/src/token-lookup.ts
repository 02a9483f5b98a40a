import type { StateStore } from "./state-store.js";

/** An access or refresh token the emulator issued and still holds. */
export interface IssuedToken {
  type: "access_token" | "refresh_token";
  id: string;
  payload: Record<string, unknown>;
}

const MODEL = { access_token: "AccessToken", refresh_token: "RefreshToken" } as const;

/** Finds a live token by value; a `token_type_hint` restricts the search like Polar's query does. */
export function findIssuedToken(
  store: StateStore,
  value: string,
  hint?: string,
): IssuedToken | undefined {
  const types: Array<IssuedToken["type"]> =
    hint === "access_token" || hint === "refresh_token"
      ? [hint]
      : ["access_token", "refresh_token"];
  for (const type of types) {
    const payload = store.find(MODEL[type], value);
    if (payload) return { type, id: value, payload };
  }
  return undefined;
}

/** Deletes a token from the store. */
export function destroyIssuedToken(store: StateStore, token: IssuedToken): void {
  store.remove(MODEL[token.type], token.id);
}

/** The organizations a token is down-scoped to (Polar's `organization_scopes`); empty: all of the user's. */
export function downScopeOfToken(store: StateStore, payload: Record<string, unknown>): string[] {
  return store.downScopeOf(typeof payload.grantId === "string" ? payload.grantId : undefined);
}
