-- AI usage metering (credits-ai). One row per metered AI call; the ledger itself is unchanged:
-- a call reserves with a hold and settles with a capture (or a spend) whose idempotency key is
-- derived from the call id, so retrying a settlement never charges twice.

create table ai_calls (
    customer_id            text        not null,
    id                     text        not null,
    credit_type            text        not null,
    provider               text        not null,
    model                  text        not null,
    feature                text,
    status                 text        not null check (status in
                               ('reserved', 'completing', 'completed', 'cancelled', 'expired',
                                'failed')),
    hold_id                text,
    reserved_units         bigint      check (reserved_units > 0),
    max_input_tokens       bigint      check (max_input_tokens >= 0),
    max_output_tokens      bigint      check (max_output_tokens >= 0),
    expires_at             timestamptz,
    input_tokens           bigint      check (input_tokens >= 0),
    cached_input_tokens    bigint      check (cached_input_tokens >= 0),
    cache_write_5m_tokens  bigint      check (cache_write_5m_tokens >= 0),
    cache_write_1h_tokens  bigint      check (cache_write_1h_tokens >= 0),
    output_tokens          bigint      check (output_tokens >= 0),
    reasoning_tokens       bigint      check (reasoning_tokens >= 0),
    cost_nano_usd          bigint      check (cost_nano_usd >= 0),
    credit_units           bigint      check (credit_units >= 0),
    transaction_id         text,
    balance_after_units    bigint,
    latency_ms             bigint,
    error                  text,
    idempotency_key        text,
    fingerprint            text,
    created_at             timestamptz not null,
    completed_at           timestamptz,
    primary key (customer_id, id),
    -- A priced call always carries its price and its credits.
    check (status not in ('completing', 'completed')
           or (cost_nano_usd is not null and credit_units is not null))
);

-- Calls are addressed by id alone on the wire; ids are unique across customers.
create unique index ai_calls_id on ai_calls (id);
-- One live call per idempotency key; a failed attempt (the callback threw) frees its key.
create unique index ai_calls_idempotency on ai_calls (customer_id, idempotency_key)
    where idempotency_key is not null and status <> 'failed';
create index ai_calls_customer_created on ai_calls (customer_id, created_at);

-- The sub-unit part of the exact cost not yet charged, per wallet: a fraction
-- remainder / denominator of the credit type's smallest unit, always 0 <= remainder < denominator.
-- Every pricing locks this row, so concurrent calls of one wallet carry it in turn.
create table ai_wallet_remainders (
    customer_id   text   not null,
    credit_type   text   not null,
    remainder     bigint not null,
    denominator   bigint not null check (denominator > 0),
    primary key (customer_id, credit_type),
    check (remainder >= 0 and remainder < denominator)
);
