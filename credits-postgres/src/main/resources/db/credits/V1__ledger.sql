-- The ledger. Every table is keyed by customer_id first (in every primary key and unique
-- constraint), so it could be distributed by customer; no transaction spans two customers'
-- wallets except group commit batches, which lock each wallet separately.
-- Amounts are bigint counts of the credit type's smallest unit.

create table wallets (
    customer_id     text        not null,
    credit_type     text        not null,
    balance         bigint      not null default 0,   -- sum of the wallet's postings
    debt            bigint      not null default 0,   -- overdraft used; a new grant pays it first
    held            bigint      not null default 0,   -- sum of active holds
    overdraft_limit bigint,                           -- null: the type's default; -1: unlimited
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    primary key (customer_id, credit_type),
    check (debt >= 0),
    check (held >= 0),
    check (overdraft_limit is null or overdraft_limit >= -1)
);

create table grants (
    customer_id    text        not null,
    id             text        not null,
    credit_type    text        not null,
    transaction_id text        not null,
    amount         bigint      not null,
    remaining      bigint      not null,
    source         text        not null,
    priority       int         not null,
    effective_at   timestamptz not null,
    expires_at     timestamptz,
    status         text        not null,
    reason         text,
    metadata       jsonb       not null default '{}',
    created_at     timestamptz not null,
    updated_at     timestamptz not null,
    primary key (customer_id, id),
    check (amount > 0),
    check (remaining >= 0 and remaining <= amount),
    check (priority between 0 and 100),
    check (status in ('active', 'depleted', 'expired', 'voided')),
    check (status = 'active' or remaining = 0),
    check (expires_at is null or expires_at > effective_at)
);
create index grants_by_id on grants (id);
create index grants_active on grants (customer_id, credit_type) where status = 'active';
create index grants_due on grants (expires_at) where status = 'active' and expires_at is not null;

create table holds (
    customer_id    text        not null,
    id             text        not null,
    credit_type    text        not null,
    amount         bigint      not null,
    captured       bigint      not null default 0,
    status         text        not null,
    feature        text,
    metadata       jsonb       not null default '{}',
    expires_at     timestamptz not null,
    transaction_id text,
    created_at     timestamptz not null,
    updated_at     timestamptz not null,
    primary key (customer_id, id),
    check (amount > 0),
    check (captured >= 0),
    check (status in ('held', 'captured', 'released', 'expired'))
);
create index holds_by_id on holds (id);
create index holds_active on holds (customer_id, credit_type) where status = 'held';
create index holds_due on holds (expires_at) where status = 'held';

-- The journal: append-only. seq orders the history (newest first). Each row is one balanced
-- double entry, as a transfer between two accounts: the wallet's account takes +amount and the
-- system account contra_account takes -amount ('issued:<source>', 'usage[:<feature>]',
-- 'expired', 'voided', 'adjustment'). The view postings shows both legs.
create table transactions (
    customer_id   text        not null,
    id            text        not null,
    seq           bigint      generated always as identity,
    credit_type   text        not null,
    type          text        not null,
    source        text,
    grant_id      text,
    hold_id       text,
    amount        bigint      not null,
    balance_after bigint      not null,
    feature       text,
    reason        text,
    metadata      jsonb       not null default '{}',
    allocations   jsonb       not null default '[]',
    contra_account text       not null,
    created_at    timestamptz not null,
    effective_at  timestamptz not null,
    primary key (customer_id, id),
    check (type in ('grant', 'usage', 'expiry', 'void', 'adjustment')),
    check (contra_account <> 'wallet')
);
create index transactions_history on transactions (customer_id, seq desc);

-- Both legs of every entry; verify checks that they balance, per entry and per credit type.
create view postings as
    select customer_id, id as transaction_id, 'wallet'::text as account, credit_type, amount
      from transactions
    union all
    select customer_id, id, contra_account, credit_type, -amount
      from transactions;

create table outbox (
    customer_id  text        not null,
    seq          bigint      generated always as identity,
    credit_type  text        not null,
    event_type   text        not null,
    payload      jsonb       not null,
    created_at   timestamptz not null,
    delivered_at timestamptz,
    primary key (customer_id, seq)
);
create index outbox_undelivered on outbox (seq) where delivered_at is null;

create table idempotency_keys (
    customer_id  text        not null,
    key          text        not null,
    fingerprint  text        not null,
    result_type  text        not null,
    result       jsonb       not null,
    created_at   timestamptz not null,
    primary key (customer_id, key)
);
create index idempotency_keys_age on idempotency_keys (created_at);
