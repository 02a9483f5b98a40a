import type { RegisteredClient } from "@polar-oauth/core/setup";
import { renderFields } from "./table.js";
import { serverValue } from "./terminal-text.js";

/** A registered client as the CLI shows it: every public field, never a secret. */
export interface ClientView {
  client_id: string;
  client_name: string | null;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  scope: string | null;
  grant_types: string[] | null;
  client_uri: string | null;
  logo_uri: string | null;
  tos_uri: string | null;
  policy_uri: string | null;
  client_id_issued_at: number | null;
}

/** Projects a client onto its public fields (the secret and registration token are left out). */
export function clientView(client: RegisteredClient): ClientView {
  return {
    client_id: client.client_id,
    client_name: client.client_name ?? null,
    redirect_uris: [...client.redirect_uris],
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    scope: client.scope ?? null,
    grant_types: client.grant_types ? [...client.grant_types] : null,
    client_uri: client.client_uri ?? null,
    logo_uri: client.logo_uri ?? null,
    tos_uri: client.tos_uri ?? null,
    policy_uri: client.policy_uri ?? null,
    client_id_issued_at: client.client_id_issued_at ?? null,
  };
}

/** `2026-01-31` from an epoch-seconds timestamp, or "" when unknown. */
export function issuedDate(seconds: number | null): string {
  return seconds ? new Date(seconds * 1000).toISOString().slice(0, 10) : "";
}

/**
 * The client as aligned `label: value` lines. Every value came from the server: each is shown
 * on its own line with control, bidi and newline characters escaped ({@link serverValue}).
 */
export function renderClient(view: ClientView): string {
  const scopes = view.scope ? view.scope.split(" ") : [];
  const fields: Array<[string, string]> = [
    ["client_id", view.client_id],
    ["client_name", view.client_name ?? ""],
    ["redirect_uris", view.redirect_uris.map(serverValue).join("\n")],
    ["auth_method", view.token_endpoint_auth_method],
    [
      "scope",
      scopes.length > 8
        ? `${scopes.slice(0, 8).join(" ")} … (${scopes.length} scopes)`
        : scopes.join(" "),
    ],
    ["grant_types", (view.grant_types ?? []).join(" ")],
    ["client_uri", view.client_uri ?? ""],
    ["logo_uri", view.logo_uri ?? ""],
    ["tos_uri", view.tos_uri ?? ""],
    ["policy_uri", view.policy_uri ?? ""],
    ["issued", issuedDate(view.client_id_issued_at)],
  ];
  return renderFields(
    fields.map(([label, value]) => [label, label === "redirect_uris" ? value : serverValue(value)]),
  );
}
