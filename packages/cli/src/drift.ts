import { type ClientMetadata, parseScopes, type RegisteredClient } from "@polar-oauth/core/setup";
import type { Colors } from "./output.js";
import { serverValue } from "./terminal-text.js";

/** One field where the registered client differs from the desired one. */
export interface FieldChange {
  field: string;
  /** Scalar fields: the registered and the desired value (undefined = not set). */
  from?: string | undefined;
  to?: string | undefined;
  /** List fields (redirect URIs, scopes, grant types): what would be added and removed. */
  added?: string[];
  removed?: string[];
  /** List fields whose members agree but whose order differs (the first redirect URI is the default). */
  reordered?: boolean;
}

/** The outcome of comparing desired and registered metadata. */
export interface ClientDiff {
  changes: FieldChange[];
  /** Things worth knowing that are not drift (e.g. Polar's URI normalisation). */
  notes: string[];
  /** Set when the change cannot be made in place (public ↔ confidential needs a new client). */
  needsNewClient?: string | undefined;
}

/**
 * How Polar stores a URI: host lowercased, default port dropped, a bare host given a trailing
 * slash (`https://example.com` → `https://example.com/`). Invalid input is returned unchanged.
 */
export function polarStoredUri(uri: string): string {
  try {
    return new URL(uri).href;
  } catch {
    return uri;
  }
}

const URL_FIELDS = ["client_uri", "logo_uri", "tos_uri", "policy_uri"] as const;

/**
 * Compares the desired client (seed defaults applied) with what Polar has, field by field.
 * Redirect URIs are compared as exact strings after applying Polar's normalisation to the
 * desired ones, in order. Polar's PUT merges over what it stores, so a URI field the desired
 * state leaves out but Polar has is a note (it cannot be cleared), not drift. An absent
 * desired `scope` means the server's default (every scope *it* supports, a list Polar grows):
 * whatever is stored is accepted; a named scope set is compared exactly. `default_sub_type`
 * is never compared: Polar's server drops it (see the notes).
 */
export function diffClient(desired: ClientMetadata, registered: RegisteredClient): ClientDiff {
  const changes: FieldChange[] = [];
  const notes: string[] = [];

  if ((registered.client_name ?? undefined) !== desired.client_name) {
    changes.push({
      field: "client_name",
      from: registered.client_name ?? undefined,
      to: desired.client_name,
    });
  }

  const wantedUris = desired.redirect_uris.map(polarStoredUri);
  desired.redirect_uris.forEach((uri, i) => {
    if (wantedUris[i] !== uri)
      notes.push(`Polar stores ${uri} as ${wantedUris[i]}; the app must send that exact string.`);
  });
  const uriChange = listChange("redirect_uris", registered.redirect_uris, wantedUris, true);
  if (uriChange) changes.push(uriChange);

  for (const field of URL_FIELDS) {
    const from = registered[field] ?? undefined;
    const to = desired[field];
    if (to === undefined && from !== undefined) {
      notes.push(
        `${field} is ${JSON.stringify(from)} at Polar but not in the desired state. Polar cannot clear it (an update keeps omitted fields). Keep it (add it to the desired state to silence this note), or register a new client without it with --force-new.`,
      );
      continue;
    }
    if (
      (from === undefined ? undefined : polarStoredUri(from)) !==
      (to === undefined ? undefined : polarStoredUri(to))
    ) {
      changes.push({ field, from, to });
    }
  }

  const fromMethod = registered.token_endpoint_auth_method;
  if (fromMethod !== desired.token_endpoint_auth_method) {
    changes.push({
      field: "token_endpoint_auth_method",
      from: fromMethod,
      to: desired.token_endpoint_auth_method,
    });
    if ((fromMethod === "none") !== (desired.token_endpoint_auth_method === "none")) {
      return {
        changes,
        notes,
        needsNewClient: `switching token_endpoint_auth_method from ${fromMethod} to ${desired.token_endpoint_auth_method} changes whether the client has a secret; register a new client with \`polar-oauth rotate\` instead.`,
      };
    }
  }

  const grants = listChange(
    "grant_types",
    registered.grant_types ?? ["authorization_code", "refresh_token"],
    desired.grant_types,
    false,
  );
  if (grants) changes.push(grants);

  if (desired.scope !== undefined) {
    const registeredScopes = parseScopes(registered.scope ?? "");
    const scope = listChange("scope", registeredScopes, parseScopes(desired.scope), false);
    if (scope) changes.push(scope);
  }

  if (desired.default_sub_type !== undefined) {
    notes.push(
      `default_sub_type=${desired.default_sub_type} is sent, but Polar does not store it; set POLAR_SUB_TYPE=${desired.default_sub_type} in the app so every authorization request carries it.`,
    );
  }
  return { changes, notes };
}

function listChange(
  field: string,
  from: readonly string[],
  to: readonly string[],
  ordered: boolean,
): FieldChange | undefined {
  const added = to.filter((value) => !from.includes(value));
  const removed = from.filter((value) => !to.includes(value));
  const reordered =
    ordered && added.length === 0 && removed.length === 0 && from.join("\n") !== to.join("\n");
  if (added.length === 0 && removed.length === 0 && !reordered) return undefined;
  return { field, added, removed, reordered };
}

/** The diff as readable lines: `+` for what would be added, `-` for what would go. */
export function formatDiff(changes: readonly FieldChange[], c: Colors): string[] {
  const lines: string[] = [];
  for (const change of changes) {
    if (change.added || change.removed) {
      lines.push(`  ${c.bold(change.field)}:`);
      for (const value of change.added ?? []) lines.push(c.green(`    + ${serverValue(value)}`));
      for (const value of change.removed ?? []) lines.push(c.red(`    - ${serverValue(value)}`));
      if (change.reordered)
        lines.push(c.yellow("    ~ same values, new order (the first is the default)"));
    } else {
      const show = (value: string | undefined) =>
        value === undefined ? "(not set)" : serverValue(JSON.stringify(value));
      lines.push(
        `  ${c.bold(change.field)}: ${c.red(show(change.from))} → ${c.green(show(change.to))}`,
      );
    }
  }
  return lines;
}
