-- A grant made with a future effective_at is 'scheduled': outside the balance, with no journal
-- entry, until it becomes effective; it is then activated like a new grant (its entry is written,
-- effective at effective_at). Its remaining is its amount until then.
do $$
declare
    name text;
begin
    for name in
        select conname from pg_constraint
         where conrelid = 'grants'::regclass and contype = 'c'
           and (pg_get_constraintdef(oid) like '%''depleted''%'
                or pg_get_constraintdef(oid) like '%remaining = 0%')
    loop
        execute format('alter table grants drop constraint %I', name);
    end loop;
end $$;

alter table grants add constraint grants_status_check
    check (status in ('active', 'depleted', 'expired', 'voided', 'scheduled'));
alter table grants add constraint grants_remaining_check
    check (status in ('active', 'scheduled') or remaining = 0);

-- The grants loaded with a wallet are the active and the scheduled ones; and the sweeper looks
-- for those that become effective next.
create index grants_live on grants (customer_id, credit_type)
    where status in ('active', 'scheduled');
drop index grants_active;
create index grants_effective on grants (effective_at) where status = 'scheduled';
