-- Key scopes (issue 16): read (GET only), write (the ledger, plans, AI, payments; the default, as
-- every key had before) or admin (also webhook endpoints and their deliveries).
alter table api_keys add column scope text not null default 'write'
    check (scope in ('read', 'write', 'admin'));
