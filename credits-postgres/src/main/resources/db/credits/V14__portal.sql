-- The customer portal and the operator console (issue 14).

-- The keys that sign portal links and session cookies (HMAC-SHA256). Made once, on first use, and
-- rotated by `./credits portal rotate-key`: the newest signs; a retired key still verifies until
-- retired_at + the longest session, so links already sent keep working until they expire.
create table portal_signing_keys (
    id         text        primary key,              -- psk_<random>
    secret     bytea       not null,
    created_at timestamptz not null,
    retired_at timestamptz,
    check (length(secret) = 32)
);

-- A portal session (kind 'portal': one customer, opened from a link) or a console session (kind
-- 'console': an operator signed in with an API key, kept as the key's SHA-256). A cookie names its
-- row; signing out or a revoked key ends it.
create table portal_sessions (
    id          text        primary key,             -- pts_<random> or cns_<random>
    kind        text        not null check (kind in ('portal', 'console')),
    customer_id text,
    key_hash    text,
    locale      text,
    return_url  text,
    created_at  timestamptz not null,
    expires_at  timestamptz not null,
    ended_at    timestamptz,
    check ((kind = 'portal') = (customer_id is not null)),
    check ((kind = 'console') = (key_hash is not null))
);
create index portal_sessions_expiry on portal_sessions (expires_at);

