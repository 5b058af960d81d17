-- Cost basis and revenue (issue 13): what each grant was paid for, and the shares of it that
-- became revenue as its credits were used, expired or were voided.

alter table grants add column cost_basis bigint;      -- in cost_currency's minor unit
alter table grants add column cost_currency text;
alter table grants add constraint grants_cost_basis check (
    (cost_basis is null) = (cost_currency is null)
    and (cost_basis is null or cost_basis >= 0)
    and (cost_currency is null or cost_currency ~ '^[a-z]{3}$'));

-- The shares of cost bases, written with the journal entries that moved them (docs/revenue.md):
-- purchased (a grant with a cost basis was made: its whole cost), recognized (credits used),
-- breakage (expired), refunded (voided). A grant's consumed shares add up to its cost exactly.
create table revenue_entries (
    customer_id    text        not null,
    seq            bigint      generated always as identity,
    credit_type    text        not null,
    transaction_id text,                                -- null: a scheduled grant voided early
    grant_id       text        not null,
    kind           text        not null
        check (kind in ('purchased', 'recognized', 'breakage', 'refunded')),
    currency       text        not null,
    amount         bigint      not null check (amount > 0),
    at             timestamptz not null,
    primary key (customer_id, seq)
);
-- The report reads one currency over a period; the grant's shares for verify.
create index revenue_entries_by_time on revenue_entries (currency, at)
    include (kind, amount, customer_id, credit_type);
create index revenue_entries_by_grant on revenue_entries (customer_id, grant_id);
