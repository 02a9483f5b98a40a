import type { PolarRequestContext } from "@polar-oauth/core";
import { PolarInsufficientScopeError, PolarSessionEndedError } from "@polar-oauth/core";

/** An organization as the example shows it and as `GET /api/polar/organizations` answers. */
export interface OrganizationSummary {
  id: string;
  name: string;
  slug: string;
}

/** A product line on the dashboard. */
export interface ProductSummary {
  id: string;
  name: string;
  /** E.g. "$10.00 / month", "$199.00 once". */
  price: string;
}

/** A list read from Polar, or why it could not be (a scope the user did not grant). */
export type Listing<T> = { items: T[] } | { notice: string };

/** What the dashboard shows from Polar's API. */
export interface DashboardData {
  organizations: Listing<OrganizationSummary>;
  /** Only for an organization sign-in: that organization's products. */
  products?: Listing<ProductSummary>;
}

/** The signed-in user's organizations (an organization sign-in: the chosen one), via `polar.api`. */
export async function listOrganizations(
  polar: PolarRequestContext,
): Promise<OrganizationSummary[]> {
  const { items } = await polar.api.organizations.list({ limit: 100 });
  return items.map(({ id, name, slug }) => ({ id, name, slug }));
}

async function listProducts(polar: PolarRequestContext, organizationId: string) {
  const { items } = await polar.api.products.list({ organization_id: organizationId, limit: 100 });
  return items.map((product) => {
    const price = product.prices[0];
    const amount =
      price && "price_amount" in price
        ? `${(price.price_amount / 100).toFixed(2)} ${price.price_currency.toUpperCase()}`
        : "custom price";
    const per = product.recurring_interval ? ` / ${product.recurring_interval}` : " once";
    return { id: product.id, name: product.name, price: `${amount}${per}` };
  });
}

/**
 * Reads a list, turning a scope the user did not grant (or Polar failing) into a friendly
 * notice. A session that ended (`SESSION_ENDED`) reaches the caller: sign in again.
 */
async function listing<T>(read: () => Promise<T[]>): Promise<Listing<T>> {
  try {
    return { items: await read() };
  } catch (error) {
    if (error instanceof PolarSessionEndedError) throw error;
    if (error instanceof PolarInsufficientScopeError) {
      const scope = error.requiredScope ?? "the scope it needs";
      return {
        notice: `This app was not granted ${scope}, so it cannot show this. Add ${scope} to POLAR_SCOPES and sign in again.`,
      };
    }
    const code = (error as { code?: string; name?: string }).code ?? (error as Error).name;
    return { notice: `Polar's API could not answer (${code}). Try again later.` };
  }
}

/** The dashboard's data: organizations, and the chosen organization's products after an organization sign-in. */
export async function dashboardData(polar: PolarRequestContext): Promise<DashboardData> {
  const organization = polar.session?.organization;
  const [organizations, products] = await Promise.all([
    listing(() => listOrganizations(polar)),
    organization ? listing(() => listProducts(polar, organization.id)) : undefined,
  ]);
  return products ? { organizations, products } : { organizations };
}

/** The JSON answer of `GET /api/polar/organizations`: status and body. */
export async function organizationsAnswer(
  polar: PolarRequestContext,
): Promise<{ status: number; body: unknown }> {
  try {
    return { status: 200, body: await listOrganizations(polar) };
  } catch (error) {
    if (error instanceof PolarSessionEndedError)
      return { status: 401, body: { error: error.code } };
    if (error instanceof PolarInsufficientScopeError)
      return { status: 403, body: { error: error.code, message: error.message } };
    return { status: 502, body: { error: (error as { code?: string }).code ?? "UNEXPECTED" } };
  }
}
