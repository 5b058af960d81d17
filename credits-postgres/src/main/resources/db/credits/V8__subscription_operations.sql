-- A plan change or cancellation, decided under the subscription's row lock and recorded in the
-- same transaction as the subscription's new state, with every ledger step it takes: take back
-- a share of a grant, void a grant, make a grant, each with an idempotency key derived from the
-- operation. The steps then run through the ledger; a crash, a timeout or an outage in between
-- leaves the operation pending, and the next request on the subscription, or the renewal
-- scheduler, completes it exactly once. So a change is all or nothing: the subscription never
-- ends on the old plan with its allowance voided, or canceled with its credits kept.
create table subscription_operations (
    customer_id     text        not null,
    id              text        not null,             -- sop_<ulid>
    subscription_id text        not null,
    kind            text        not null check (kind in ('change', 'cancel')),
    reason          text        not null,             -- the reason of each step's ledger entry
    steps           jsonb       not null,
    created_at      timestamptz not null,
    completed_at    timestamptz,                      -- every step is in the ledger
    primary key (customer_id, id)
);
create index subscription_operations_pending on subscription_operations (subscription_id)
    where completed_at is null;
create index subscription_operations_pending_age on subscription_operations (created_at)
    where completed_at is null;
