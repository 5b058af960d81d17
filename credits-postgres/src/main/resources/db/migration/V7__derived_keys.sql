-- The idempotency keys credits derives for its own ledger writes (an AI call's steps, a
-- subscription period's grants, a purchase's grants) move to a namespace no client key can
-- reach: they now begin with U+00A7 (chr(167)), and a client's key is printable ASCII. Before,
-- a client could send 'ai:<call>:capture' on a spend and so block that call's capture forever.
-- A key is moved when it names a call, subscription or purchase of the same customer.
update idempotency_keys k
   set key = chr(167) || k.key
 where (k.key like 'ai:%' and exists (select 1 from ai_calls a
            where a.customer_id = k.customer_id and a.id = split_part(k.key, ':', 2)))
    or (k.key like 'sub:%' and exists (select 1 from subscriptions s
            where s.customer_id = k.customer_id and s.id = split_part(k.key, ':', 2)))
    or (k.key like 'purchase:%' and exists (select 1 from purchases p
            where p.customer_id = k.customer_id and p.id = split_part(k.key, ':', 2)));

-- The grants a period or purchase decided carry their keys: a period completed after this
-- upgrade must use the moved keys, or it would grant again what was granted before.
update subscription_periods
   set grants = (select jsonb_agg(case when g ->> 'key' is not null
                                         and left(g ->> 'key', 1) <> chr(167)
                                       then jsonb_set(g, '{key}', to_jsonb(chr(167) || (g ->> 'key')))
                                       else g end order by i)
                   from jsonb_array_elements(grants) with ordinality as e(g, i))
 where jsonb_array_length(grants) > 0;

update purchases
   set grants = (select jsonb_agg(case when g ->> 'key' is not null
                                         and left(g ->> 'key', 1) <> chr(167)
                                       then jsonb_set(g, '{key}', to_jsonb(chr(167) || (g ->> 'key')))
                                       else g end order by i)
                   from jsonb_array_elements(grants) with ordinality as e(g, i))
 where jsonb_array_length(grants) > 0;
