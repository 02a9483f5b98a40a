import { createHash } from "node:crypto";
import type { FixtureOrganization } from "../types.js";

/** A product an organization sells in the emulator's catalog. */
export interface CatalogProduct {
  id: string;
  priceId: string;
  organizationId: string;
  name: string;
  description: string;
  /** Cents. */
  amount: number;
  /** Undefined: a one-time purchase. */
  interval: "month" | "year" | undefined;
  createdAt: string;
}

/** A customer of an organization (the buyer in orders and subscriptions). */
export interface CatalogCustomer {
  id: string;
  organizationId: string;
  email: string;
  name: string;
  createdAt: string;
}

/** An order: one customer bought one product. */
export interface CatalogOrder {
  id: string;
  organizationId: string;
  customer: CatalogCustomer;
  product: CatalogProduct;
  subscriptionId: string | undefined;
  /** The id of its one line item. */
  itemId: string;
  createdAt: string;
}

/** A subscription of a customer to a recurring product. */
export interface CatalogSubscription {
  id: string;
  organizationId: string;
  customer: CatalogCustomer;
  product: CatalogProduct;
  status: "active" | "canceled";
  startedAt: string;
  periodStart: string;
  periodEnd: string;
}

/** Everything an organization sells, to whom: derived from its id, so identical on every run. */
export interface OrganizationCatalog {
  products: CatalogProduct[];
  customers: CatalogCustomer[];
  orders: CatalogOrder[];
  subscriptions: CatalogSubscription[];
}

function uuid(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex");
  const variant = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const PRODUCTS = [
  { name: "Pro", description: "Everything, billed monthly.", amount: 1000, interval: "month" },
  { name: "Team", description: "For teams, billed yearly.", amount: 9600, interval: "year" },
  {
    name: "Lifetime license",
    description: "Pay once, keep it.",
    amount: 19900,
    interval: undefined,
  },
] as const;

/**
 * The catalog of one organization: three products (monthly, yearly, one-time), two customers,
 * two subscriptions (one active, one canceled) and three orders (the two subscriptions' first
 * orders and one purchase). Ids are UUIDs derived from the organization's id; dates are fixed.
 */
export function catalogOf(org: FixtureOrganization): OrganizationCatalog {
  const products: CatalogProduct[] = PRODUCTS.map((p, i) => ({
    id: uuid(`product:${org.id}:${i}`),
    priceId: uuid(`price:${org.id}:${i}`),
    organizationId: org.id,
    name: p.name,
    description: p.description,
    amount: p.amount,
    interval: p.interval,
    createdAt: `2025-01-0${i + 2}T09:00:00Z`,
  }));
  const customers: CatalogCustomer[] = ["Dana Doe", "Eli Evans"].map((name, i) => ({
    id: uuid(`customer:${org.id}:${i}`),
    organizationId: org.id,
    email: `${name.split(" ")[0]!.toLowerCase()}@${org.slug}.example.com`,
    name,
    createdAt: `2025-02-0${i + 1}T10:00:00Z`,
  }));
  const [pro, team, lifetime] = products as [CatalogProduct, CatalogProduct, CatalogProduct];
  const [dana, eli] = customers as [CatalogCustomer, CatalogCustomer];
  const subscriptions: CatalogSubscription[] = [
    {
      id: uuid(`subscription:${org.id}:0`),
      organizationId: org.id,
      customer: dana,
      product: pro,
      status: "active",
      startedAt: "2025-03-01T12:00:00Z",
      periodStart: "2025-06-01T12:00:00Z",
      periodEnd: "2025-07-01T12:00:00Z",
    },
    {
      id: uuid(`subscription:${org.id}:1`),
      organizationId: org.id,
      customer: eli,
      product: team,
      status: "canceled",
      startedAt: "2025-03-02T12:00:00Z",
      periodStart: "2025-03-02T12:00:00Z",
      periodEnd: "2026-03-02T12:00:00Z",
    },
  ];
  const orders: CatalogOrder[] = [
    ...subscriptions.map((s, i) => ({
      id: uuid(`order:${org.id}:${i}`),
      organizationId: org.id,
      customer: s.customer,
      product: s.product,
      subscriptionId: s.id,
      itemId: uuid(`order-item:${org.id}:${i}`),
      createdAt: s.startedAt,
    })),
    {
      id: uuid(`order:${org.id}:2`),
      organizationId: org.id,
      customer: dana,
      product: lifetime,
      subscriptionId: undefined,
      itemId: uuid(`order-item:${org.id}:2`),
      createdAt: "2025-04-01T12:00:00Z",
    },
  ];
  return { products, customers, orders, subscriptions };
}
