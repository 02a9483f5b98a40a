import type { PolarClientMetadata } from "../registration-rules.js";
import { describeScope } from "../scopes.js";
import type { FixtureOrganization, FixtureUser } from "../types.js";
import { escapeHtml, safeHttpUrl } from "./escape.js";
import { renderPage } from "./layout.js";

/** What the consent page shows. */
export interface ConsentPageInput {
  /** Where the form posts (the interaction's consent URL). */
  action: string;
  client: PolarClientMetadata;
  user: FixtureUser;
  /** The organizations the user belongs to (one is picked for `sub_type=organization`). */
  organizations: FixtureOrganization[];
  scopes: string[];
  subType: "user" | "organization";
  /** A problem with the previous submission, shown above the form. */
  problem?: string;
}

function appHeader(client: PolarClientMetadata): string {
  const logo = safeHttpUrl(client.logo_uri);
  const home = safeHttpUrl(client.client_uri);
  const name = escapeHtml(client.client_name);
  return `<div class="app">
${logo ? `<img src="${escapeHtml(logo)}" alt="${name} logo">` : ""}
<div><h1>${name}</h1>
${home ? `<a class="muted" href="${escapeHtml(home)}" rel="noopener noreferrer" target="_blank">${escapeHtml(home)}</a>` : client.client_uri ? `<span class="muted">${escapeHtml(client.client_uri)}</span>` : ""}
</div></div>`;
}

/**
 * Polar's `OrganizationSelector`: for `sub_type=organization` one radio per organization (the
 * only one pre-selected), posted as `organizations`; a user sign-in reaches every organization.
 */
function organizationChoice(input: ConsentPageInput): string {
  if (input.subType !== "organization") {
    return `<p class="muted">This token can access every organization you belong to.</p>`;
  }
  if (input.organizations.length === 0) {
    return `<div class="error"><p>${escapeHtml(input.user.name)} doesn't belong to any organization, so this app can't be limited to one.</p></div>`;
  }
  const only = input.organizations.length === 1;
  const options = input.organizations
    .map(
      (org) =>
        `<label class="org"><input type="radio" name="organizations" value="${escapeHtml(org.id)}" required${
          only ? " checked" : ""
        }> <span>${escapeHtml(org.name)} <span class="muted">${escapeHtml(org.slug)}</span></span></label>`,
    )
    .join("\n");
  return `<fieldset><legend>Choose one organization</legend>
<p class="muted">This token is limited to the organization you select.</p>
${options}
</fieldset>`;
}

/** The consent step: the app, what it asks for in plain words, the organization access, Allow / Deny. */
export function renderConsentPage(input: ConsentPageInput): string {
  const scopes =
    input.scopes.length === 0
      ? "<li><span>No specific permissions</span></li>"
      : input.scopes
          .map(
            (scope) =>
              `<li><span>${escapeHtml(describeScope(scope))}</span><code>${escapeHtml(scope)}</code></li>`,
          )
          .join("\n");
  const tos = safeHttpUrl(input.client.tos_uri);
  const policy = safeHttpUrl(input.client.policy_uri);
  const links = [
    tos
      ? `<a href="${escapeHtml(tos)}" rel="noopener noreferrer" target="_blank">Terms of Service</a>`
      : "",
    policy
      ? `<a href="${escapeHtml(policy)}" rel="noopener noreferrer" target="_blank">Privacy Policy</a>`
      : "",
  ].join("");
  const cannotAllow = input.subType === "organization" && input.organizations.length === 0;
  return renderPage(
    "consent",
    `Authorize ${input.client.client_name}`,
    `${appHeader(input.client)}
<p><strong>${escapeHtml(input.client.client_name)}</strong> requests the following permissions to your personal Polar account.</p>
<p class="muted">Signed in as ${escapeHtml(input.user.name)} (${escapeHtml(input.user.email)})</p>
${input.problem ? `<div class="error"><p>${escapeHtml(input.problem)}</p></div>` : ""}
<form method="post" action="${escapeHtml(input.action)}">
<ul class="scopes">
${scopes}
</ul>
${organizationChoice(input)}
<div class="actions">
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
<button type="submit" class="primary" name="decision" value="allow"${cannotAllow ? " disabled" : ""}>Allow</button>
</div>
</form>
${links ? `<div class="links">${links}</div>` : ""}`,
  );
}
