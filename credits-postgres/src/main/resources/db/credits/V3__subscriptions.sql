-- Plans, subscriptions and credit packs (credits-plans). Credits move only through the ledger's
-- tables; these tables say what a subscription or purchase decided to grant, so that it is
-- granted exactly once. customer_id comes first in every primary key and unique constraint.

create table subscriptions (
    customer_id     text        not null,
    id              text        not null,             -- sub_<ulid>
    plan            text        not null,             -- the plan in force
    pending_plan    text,                             -- takes effect at the next renewal
    status          text        not null,
    started_at      timestamptz not null,             -- the anchor of every anniversary
    period_start    timestamptz not null,             -- the monthly allowance period last granted
    period_end      timestamptz not null,
    cancel_at       timestamptz,                      -- renewals stop here
    idempotency_key text,
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    primary key (customer_id, id),
    check (status in ('active', 'canceled')),
    check (period_end > period_start)
);
create index subscriptions_by_id on subscriptions (id);
create index subscriptions_due on subscriptions (period_end) where status = 'active';
create unique index subscriptions_idempotency on subscriptions (customer_id, idempotency_key)
    where idempotency_key is not null;

-- One row per granted monthly period. The row is inserted first, under this primary key, with
-- the grants it decides; the grants then go through the ledger with idempotency keys derived
-- from (subscription, period start), so re-running after a crash completes them exactly once.
create table subscription_periods (
    customer_id     text        not null,
    subscription_id text        not null,
    period_start    timestamptz not null,
    period_end      timestamptz not null,
    plan            text        not null,
    grants          jsonb       not null,
    created_at      timestamptz not null,
    granted_at      timestamptz,                      -- every grant is in the ledger
    primary key (customer_id, subscription_id, period_start),
    check (period_end > period_start)
);
create index subscription_periods_ungranted on subscription_periods (created_at)
    where granted_at is null;

-- A purchase is idempotent by the payment's reference, with the same pattern as a period.
create table purchases (
    customer_id       text        not null,
    payment_reference text        not null,
    id                text        not null,           -- pur_<ulid>
    product           text        not null,
    quantity          int         not null,
    grants            jsonb       not null,
    created_at        timestamptz not null,
    granted_at        timestamptz,
    primary key (customer_id, payment_reference),
    check (quantity between 1 and 1000)
);
create index purchases_ungranted on purchases (created_at) where granted_at is null;

-- The simulated time of `credits serve --test-clock`: one row once a server has run on a test
-- clock (global, like api_keys). A database with this row refuses to serve on real time.
create table test_clock (
    singleton  boolean     primary key default true,
    now        timestamptz not null,
    created_at timestamptz not null,                  -- real time
    updated_at timestamptz not null,                  -- real time
    check (singleton)
);
