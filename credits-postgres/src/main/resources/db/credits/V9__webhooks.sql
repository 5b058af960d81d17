-- Events out. Every wallet counts its events (sequence, one more with every event of the
-- wallet), and each event in the outbox carries the count it was given, so a receiver can order
-- and deduplicate. The outbox is the source of the webhooks: an event is fanned out to the
-- endpoints subscribed to it (one delivery row per endpoint) once, by whichever process takes it
-- first (webhooks_at marks it taken), and the event feed reads it.
alter table wallets add column sequence bigint not null default 0;
-- Balance alerts: the wallet's own thresholds (null: its credit type's), the thresholds its
-- available balance is below and was reported below, and whether balance.depleted was reported.
alter table wallets add column alert_thresholds bigint[];
alter table wallets add column alerts_below bigint[] not null default '{}';
alter table wallets add column depleted boolean not null default false;
-- Expiry notices: when credits.expiring_soon is due for a grant (null: none, or sent). Grants
-- made before this version get none (their credit type's setting was not known then).
alter table grants add column expiring_notice_at timestamptz;
create index grants_expiring_notice on grants (expiring_notice_at)
    where status = 'active' and expiring_notice_at is not null;
alter table outbox add column sequence bigint;          -- null: an event of no wallet (plans)
-- When an event was fanned out to endpoints. Events written before this version are not sent
-- (they happened before any endpoint existed): the constant default marks them at once, with
-- no rewrite of the table, and new events start unmarked.
alter table outbox add column webhooks_at timestamptz default '-infinity';
alter table outbox alter column webhooks_at drop default;
create index outbox_webhooks_pending on outbox (seq) where webhooks_at is null;
create index outbox_by_seq on outbox (seq);

create table webhook_endpoints (
    id                   text        primary key,          -- whe_<ulid>
    url                  text        not null,
    events               text[]      not null,             -- wire names, or {*}
    description          text,
    status               text        not null check (status in ('enabled', 'disabled')),
    secret               text        not null,             -- whsec_<base64>: signs deliveries
    previous_secret      text,                             -- signs too, until it expires
    previous_secret_until timestamptz,
    failing_since        timestamptz,                      -- the first failure since a success
    idempotency_key      text        unique,               -- the key it was made with, if any
    created_at           timestamptz not null,
    updated_at           timestamptz not null
);

-- One row per attempt to deliver one event to one endpoint.
create table webhook_deliveries (
    id               text        primary key,              -- whd_<ulid>
    endpoint_id      text        not null references webhook_endpoints (id) on delete cascade,
    event_seq        bigint      not null,
    event_type       text        not null,                 -- the wire name
    attempt          int         not null check (attempt >= 1),
    status           text        not null check (status in ('pending', 'succeeded', 'failed')),
    response_status  int,
    error            text,
    created_at       timestamptz not null,
    first_attempt_at timestamptz not null,                 -- the event's first try: the retry budget runs from it
    next_attempt_at  timestamptz,                          -- pending: when it is due; failed: its retry, if any
    leased_until     timestamptz,                          -- a process is sending it until then
    finished_at      timestamptz
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at)
    where status = 'pending';
create index webhook_deliveries_by_endpoint on webhook_deliveries (endpoint_id, created_at desc, id desc);
create index webhook_deliveries_finished on webhook_deliveries (finished_at)
    where status <> 'pending';
