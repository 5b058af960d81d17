-- Money in (issue 12): Stripe payments for packs, subscriptions, refunds, debt and auto top-up.

-- A subscription billed elsewhere (Stripe) renews only through the periods paid for: the
-- renewal scheduler grants a period only while it starts a day or more before paid_through.
-- Null: renewed by the scheduler alone, as before.
alter table subscriptions add column paid_through timestamptz;

-- The Stripe customer of each credits customer, created once and remembered.
create table stripe_customers (
    customer_id        text        primary key,
    stripe_customer_id text        not null unique,
    created_at         timestamptz not null
);

-- Every Stripe event received, handled once: a replay or a duplicate finds its row. The payload
-- is kept so that an event a crash left unhandled is handled later from here.
create table stripe_events (
    id          text        primary key,                 -- evt_…
    type        text        not null,
    created     timestamptz not null,                    -- Stripe's time of the event
    payload     text        not null,
    received_at timestamptz not null,
    handled_at  timestamptz,
    outcome     text,                                    -- what handling did, or why it ignored
    attempts    int         not null default 0 check (attempts >= 0)
);
create index stripe_events_unhandled on stripe_events (received_at) where handled_at is null;

-- Each payment that bought credits (a pack's checkout, an auto top-up's payment intent) and how
-- much of it was refunded; a refund that arrives before its purchase waits here for it.
create table stripe_payments (
    payment_intent  text        primary key,             -- pi_… (the payment reference)
    customer_id     text,
    kind            text        check (kind in ('purchase', 'topup')),
    purchase_id     text,
    topup_id        text,
    amount          bigint      check (amount > 0),      -- in the currency's minor unit
    currency        text,
    amount_refunded bigint      not null default 0 check (amount_refunded >= 0),
    amount_disputed bigint      not null default 0 check (amount_disputed >= 0), -- withdrawn
    refund_applied  bigint      not null default 0 check (refund_applied >= 0),
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    check (refund_applied <= amount_refunded + amount_disputed),
    check (kind is null or customer_id is not null)
);

-- A refund decided under the payment's lock: its ledger steps, run with keys derived from the
-- row, so that running them again replays them.
create table stripe_refunds (
    payment_intent  text        not null,
    refunded_to     bigint      not null,                -- the cumulative amount refunded
    refunded_from   bigint      not null,
    customer_id     text        not null,
    steps           jsonb       not null,
    created_at      timestamptz not null,
    completed_at    timestamptz,
    primary key (payment_intent, refunded_to),
    check (refunded_from < refunded_to)
);
create index stripe_refunds_pending on stripe_refunds (created_at) where completed_at is null;

-- The Stripe subscription behind each credits subscription, and the latest state of it that
-- was applied (events arrive out of order: an older state is not applied over a newer one).
create table stripe_subscriptions (
    stripe_subscription_id text        primary key,      -- sub_… of Stripe
    customer_id            text        not null,
    subscription_id        text        unique,           -- sub_… of credits, once created
    plan                   text,                         -- chosen once, before it is created
    started_at             timestamptz,                  -- likewise
    price_id               text,
    status                 text,
    state_at               timestamptz,                  -- the Stripe event time of that state
    created_at             timestamptz not null,
    updated_at             timestamptz not null
);

-- Debt found at a renewal, charged as one Stripe invoice item per (subscription, period, type)
-- and settled in the ledger (an adjustment of the debt, once: settled_at) so that the new
-- period's allowance arrives whole: the money pays for the overdraft, not the allowance.
create table stripe_debt_charges (
    stripe_subscription_id text        not null,
    period_start           timestamptz not null,
    credit_type            text        not null,
    customer_id            text        not null,
    debt_units             bigint      not null check (debt_units > 0),
    amount                 bigint      not null check (amount > 0),
    currency               text        not null,
    settled_at             timestamptz,
    invoice_item_id        text,
    attempts               int         not null default 0,
    last_error             text,
    next_attempt_at        timestamptz not null,
    created_at             timestamptz not null,
    primary key (stripe_subscription_id, period_start, credit_type)
);
create index stripe_debt_charges_pending on stripe_debt_charges (next_attempt_at)
    where invoice_item_id is null;
create index stripe_debt_charges_unsettled on stripe_debt_charges (customer_id, credit_type)
    where settled_at is null;

-- The off-session payment attempt of each auto top-up.
create table stripe_topup_payments (
    topup_id        text        primary key,
    customer_id     text        not null,
    payment_intent  text,
    payment_method  text,                                -- chosen once, sent on every retry
    -- refunding: paid after the top-up had failed or lapsed; the payment is refunded
    status          text        not null
        check (status in ('pending', 'created', 'skipped', 'refunding', 'refunded')),
    attempts        int         not null default 0,
    last_error      text,
    next_attempt_at timestamptz not null,
    created_at      timestamptz not null
);
create index stripe_topup_payments_pending on stripe_topup_payments (next_attempt_at)
    where status in ('pending', 'refunding');
