-- The idempotency keys credits derives for its own ledger writes (an AI call's steps, a
-- subscription period's grants, a purchase's grants) move to a namespace no client key can
-- reach: they now begin with U+00A7 (chr(167)), and a client's key is printable ASCII. Before,
-- a client could send 'ai:<call>:capture' on a spend and so block that call's capture forever.
--
-- The keys already recorded stay as they are: a derived key with no entry of its own replays
-- the entry of its bare name only when that entry's fingerprint is the very command's (see
-- IdempotencyKeys.find), so a step made before the upgrade is never made twice, and a client's
-- key that imitated a step's name blocks nothing any more.
--
-- The grants a period or purchase decided carry their keys; those not yet made must be made
-- under the new names.
create function pg_temp.with_derived_keys(grants jsonb) returns jsonb language sql as $$
    select coalesce(jsonb_agg(case when g ->> 'key' is not null
                                     and left(g ->> 'key', 1) <> chr(167)
                                   then jsonb_set(g, '{key}', to_jsonb(chr(167) || (g ->> 'key')))
                                   else g end order by i), '[]'::jsonb)
      from jsonb_array_elements(grants) with ordinality as e(g, i)
$$;

update subscription_periods set grants = pg_temp.with_derived_keys(grants);
update purchases set grants = pg_temp.with_derived_keys(grants);
