import type { models } from "@polar-sh/sdk/2026-10";
import type { FixtureOrganization } from "../types.js";
import type {
  CatalogCustomer,
  CatalogOrder,
  CatalogProduct,
  CatalogSubscription,
} from "./catalog.js";

/*
 * Polar's API resources, built from fixtures and typed as `@polar-sh/sdk/2026-10`'s models
 * (generated from Polar's OpenAPI schema, `server/polar/<resource>/schemas.py`): the compiler
 * holds every answer to the model's required fields, and test/api-models.test.ts checks them
 * again at run time.
 */

/** When fixture organizations were "created": fixed, so answers are reproducible. */
const FIXTURE_CREATED_AT = "2025-01-01T00:00:00Z";

/** Polar's `Organization` (`server/polar/organization/schemas.py`), filled from a fixture. */
export function organizationResource(org: FixtureOrganization): models.Organization {
  return {
    created_at: FIXTURE_CREATED_AT,
    modified_at: null,
    id: org.id,
    name: org.name,
    slug: org.slug,
    avatar_url: null,
    proration_behavior: "prorate",
    allow_customer_updates: true,
    email: null,
    website: null,
    socials: [],
    status: "active",
    details_submitted_at: null,
    onboarding_resubmission_requested_at: null,
    sso_enforced: false,
    default_presentment_currency: "usd",
    default_tax_behavior: "location",
    feature_settings: null,
    subscription_settings: {
      allow_multiple_subscriptions: false,
      proration_behavior: "prorate",
      benefit_revocation_grace_period: 0,
      prevent_trial_abuse: false,
      allow_customer_updates: true,
    },
    customer_email_settings: {
      order_confirmation: true,
      payment_method_expiration_reminder: true,
      subscription_cancellation: true,
      subscription_confirmation: true,
      subscription_cycled: true,
      subscription_cycled_after_trial: true,
      subscription_past_due: true,
      subscription_paused: true,
      subscription_resumed: true,
      subscription_renewal_reminder: true,
      subscription_revoked: true,
      subscription_trial_conversion_reminder: true,
      subscription_uncanceled: true,
      subscription_updated: true,
    },
    customer_portal_settings: {
      usage: { show: true },
      subscription: { update_seats: true, update_plan: true },
    },
    dispute_settings: { auto_accept_below_amount: null },
    embed_hosts: [],
    country: "US",
    account_id: null,
    payout_account_id: null,
    capabilities: {
      checkout_payments: true,
      subscription_renewals: true,
      payouts: false,
      refunds: true,
      api_access: true,
      dashboard_access: true,
    },
  };
}

function priceOf(product: CatalogProduct): models.ProductPriceFixed {
  return {
    created_at: product.createdAt,
    modified_at: null,
    id: product.priceId,
    source: "catalog",
    amount_type: "fixed",
    price_currency: "usd",
    tax_behavior: null,
    is_archived: false,
    product_id: product.id,
    price_amount: product.amount,
  };
}

/** The product fields without prices and benefits (Polar's `ProductBase`, as orders embed it). */
function productBase(product: CatalogProduct): models.OrderProduct {
  return {
    metadata: {},
    id: product.id,
    created_at: product.createdAt,
    modified_at: null,
    trial_interval: null,
    trial_interval_count: null,
    name: product.name,
    description: product.description,
    visibility: "public",
    recurring_interval: product.interval ?? null,
    recurring_interval_count: product.interval ? 1 : null,
    meter_interval: null,
    meter_interval_count: null,
    is_recurring: product.interval !== undefined,
    is_archived: false,
    organization_id: product.organizationId,
  };
}

/** Polar's `Product` (`server/polar/product/schemas.py`): one fixed price, no benefits or media. */
export function productResource(product: CatalogProduct): models.Product {
  return {
    ...productBase(product),
    is_deletable: false,
    prices: [priceOf(product)],
    benefits: [],
    medias: [],
    attached_custom_fields: [],
  };
}

function customerOf(customer: CatalogCustomer): models.OrderCustomer {
  return {
    id: customer.id,
    created_at: customer.createdAt,
    modified_at: null,
    metadata: {},
    external_id: null,
    email: customer.email,
    email_verified: true,
    type: "individual",
    name: customer.name,
    billing_name: customer.name,
    billing_address: { country: "US" },
    tax_id: null,
    organization_id: customer.organizationId,
    deleted_at: null,
    first_user_event_at: null,
    avatar_url: null,
  };
}

function subscriptionBase(subscription: CatalogSubscription): models.OrderSubscription {
  const canceled = subscription.status === "canceled";
  return {
    metadata: {},
    created_at: subscription.startedAt,
    modified_at: null,
    id: subscription.id,
    amount: subscription.product.amount,
    currency: "usd",
    recurring_interval: subscription.product.interval ?? "month",
    recurring_interval_count: 1,
    status: subscription.status,
    current_period_start: subscription.periodStart,
    current_period_end: subscription.periodEnd,
    current_meter_period_start: null,
    current_meter_period_end: null,
    trial_start: null,
    trial_end: null,
    cancel_at_period_end: false,
    canceled_at: canceled ? subscription.periodStart : null,
    started_at: subscription.startedAt,
    ends_at: canceled ? subscription.periodStart : null,
    ended_at: canceled ? subscription.periodStart : null,
    pause_at_period_end: false,
    paused_at: null,
    resumes_at: null,
    customer_id: subscription.customer.id,
    product_id: subscription.product.id,
    discount_id: null,
    checkout_id: null,
    units: null,
    customer_cancellation_reason: canceled ? "too_expensive" : null,
    customer_cancellation_comment: null,
  };
}

/** Polar's `Subscription` (`server/polar/subscription/schemas.py`). */
export function subscriptionResource(subscription: CatalogSubscription): models.Subscription {
  return {
    ...subscriptionBase(subscription),
    customer: customerOf(subscription.customer),
    product: productResource(subscription.product),
    discount: null,
    prices: [priceOf(subscription.product)],
    meters: [],
    pending_update: null,
  };
}

/** Polar's `Order` (`server/polar/order/schemas.py`): paid, no discount, no tax. */
export function orderResource(
  order: CatalogOrder,
  subscription: CatalogSubscription | undefined,
): models.Order {
  const amount = order.product.amount;
  return {
    id: order.id,
    created_at: order.createdAt,
    modified_at: null,
    status: "paid",
    paid: true,
    subtotal_amount: amount,
    discount_amount: 0,
    net_amount: amount,
    tax_amount: 0,
    total_amount: amount,
    applied_balance_amount: 0,
    due_amount: 0,
    refunded_amount: 0,
    refunded_tax_amount: 0,
    currency: "usd",
    billing_reason: subscription ? "subscription_create" : "purchase",
    billing_name: order.customer.name,
    billing_address: { country: "US" },
    invoice_number: null,
    is_invoice_generated: false,
    receipt_number: null,
    units: null,
    customer_id: order.customer.id,
    product_id: order.product.id,
    discount_id: null,
    subscription_id: subscription?.id ?? null,
    checkout_id: null,
    metadata: {},
    platform_fee_amount: 0,
    platform_fee_currency: null,
    customer: customerOf(order.customer),
    product: productBase(order.product),
    discount: null,
    subscription: subscription ? subscriptionBase(subscription) : null,
    items: [
      {
        created_at: order.createdAt,
        modified_at: null,
        id: order.itemId,
        label: order.product.name,
        amount,
        tax_amount: 0,
        proration: false,
        product_price_id: order.product.priceId,
        start_timestamp: subscription?.periodStart ?? null,
        end_timestamp: subscription?.periodEnd ?? null,
      },
    ],
    description: order.product.name,
    refundable_amount: amount,
    refundable_tax_amount: 0,
  };
}
