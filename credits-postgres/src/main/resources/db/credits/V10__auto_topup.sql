-- Auto top-up: a rule per wallet, and the top-ups it requested. When a change leaves a
-- wallet's available balance below the rule's threshold, a top-up is requested (at most one in
-- flight per wallet, at most max_per_day a day); a payment integration or the application
-- completes it (a grant, once) or fails it, and three failures in a row disable the rule.
create table topup_rules (
    customer_id     text        not null,
    credit_type     text        not null,
    enabled         boolean     not null,
    threshold       bigint      not null check (threshold >= 0),
    amount          bigint      check (amount > 0),     -- a fixed amount, or
    target          bigint      check (target > 0),     -- what brings available up to this
    product         text,
    max_per_day     int         not null check (max_per_day between 1 and 24),
    failures_in_row int         not null default 0 check (failures_in_row >= 0),
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    primary key (customer_id, credit_type),
    check ((amount is null) <> (target is null)),
    check (target is null or target > threshold)
);

create table topups (
    customer_id       text        not null,
    id                text        not null,             -- tpu_<ulid>
    credit_type       text        not null,
    amount            bigint      not null check (amount > 0),
    status            text        not null
        check (status in ('requested', 'completing', 'succeeded', 'failed')),
    payment_reference text,
    reason            text,
    grant_id          text,
    created_at        timestamptz not null,
    finished_at       timestamptz,
    primary key (customer_id, id),
    check (status not in ('completing', 'succeeded') or payment_reference is not null),
    check (status <> 'succeeded' or grant_id is not null)
);
create unique index topups_by_id on topups (id);
-- At most one top-up in flight per wallet, whatever races.
create unique index topups_one_in_flight on topups (customer_id, credit_type)
    where status in ('requested', 'completing');
create index topups_by_wallet on topups (customer_id, credit_type, created_at);
