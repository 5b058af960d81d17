-- An Idempotency-Key names one request across the whole ledger, as API.md has it: the same key
-- with a different request is a conflict even when the other request is for another customer.
-- Until now keys were unique per customer. Where two customers used one key, the oldest use
-- keeps it; the others are renamed with a character no key can have (keys are printable ASCII),
-- so a retry of one of those is refused with idempotency_conflict and never applied twice.
update idempotency_keys k
   set key = k.key || chr(1) || k.customer_id
 where exists (select 1 from idempotency_keys o
                where o.key = k.key and o.customer_id <> k.customer_id
                  and (o.created_at, o.customer_id) < (k.created_at, k.customer_id));

alter table idempotency_keys drop constraint idempotency_keys_pkey;
alter table idempotency_keys add primary key (key);
comment on column idempotency_keys.customer_id is 'whose request first used the key';
