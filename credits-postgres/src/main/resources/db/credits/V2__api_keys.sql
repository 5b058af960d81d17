-- API keys of the HTTP server. Only the SHA-256 of a secret is kept; the secret is shown once,
-- when the key is created. A revoked key stays as a record of who had access.
create table api_keys (
    id         text        primary key,             -- key_<random>
    name       text        not null,
    hash       text        not null unique,         -- SHA-256 of the secret, lower-case hex
    created_at timestamptz not null,
    revoked_at timestamptz,
    check (length(hash) = 64)
);
-- A name identifies one key among those in use, so `keys revoke NAME` is unambiguous.
create unique index api_keys_active_name on api_keys (name) where revoked_at is null;
