-- Where the expansion's time goes: the same 200,000-row insert into deliveries (as the expansion
-- writes it) repeated while per-row costs are taken away one by one. Run it on a scratch database,
-- freshly migrated, never on one that matters (it drops constraints and indexes):
--
--   createdb -h 127.0.0.1 -U postgres expansion_profile
--   DATABASE_URL=postgres://postgres@127.0.0.1:5432/expansion_profile npx broadcaster migrate
--   psql -h 127.0.0.1 -U postgres -d expansion_profile -f bench/expansion-profile.sql
--
-- Each step prints its time (\timing); rows per second = 200,000 / time.
\timing off
insert into contacts (phone, opted_in_at) select (79000000000 + g)::text, now() from generate_series(1, 200000) g;
insert into campaigns (name, kind, status, transport, channel_id, definition, template_source)
values ('profile', 'broadcast', 'running', 'sms', 1, '{}', 'Hi');
insert into campaign_runs (campaign_id, scheduled_for)
select (select max(id) from campaigns), now() + g * interval '1 day' from generate_series(1, 6) g;
analyze;
create temporary view next_run as select min(r.id) as id from campaign_runs r where not exists (select 1 from deliveries d where d.run_id = r.id);
\timing on
\echo 1. as the schema is: foreign keys to run and contact, four indexes taking an entry, on conflict do nothing
insert into deliveries (run_id, campaign_id, contact_id, state, due_at, next_attempt_at, transport, channel_id, queued_at)
select (select id from next_run), (select max(id) from campaigns), c.id, 'queued', now(), now(), 'sms', 1, now()
from contacts c order by c.id on conflict (run_id, contact_id, reminder_key) do nothing;
\echo 2. without the foreign key to the run
alter table deliveries drop constraint deliveries_run_id_fkey;
insert into deliveries (run_id, campaign_id, contact_id, state, due_at, next_attempt_at, transport, channel_id, queued_at)
select (select id from next_run), (select max(id) from campaigns), c.id, 'queued', now(), now(), 'sms', 1, now()
from contacts c order by c.id on conflict (run_id, contact_id, reminder_key) do nothing;
\echo 3. and without the foreign key to the contact (no foreign key checked per row)
alter table deliveries drop constraint deliveries_contact_id_fkey;
insert into deliveries (run_id, campaign_id, contact_id, state, due_at, next_attempt_at, transport, channel_id, queued_at)
select (select id from next_run), (select max(id) from campaigns), c.id, 'queued', now(), now(), 'sms', 1, now()
from contacts c order by c.id on conflict (run_id, contact_id, reminder_key) do nothing;
\echo 4. and without the (campaign_id, state) index
drop index deliveries_campaign_id_state_idx;
insert into deliveries (run_id, campaign_id, contact_id, state, due_at, next_attempt_at, transport, channel_id, queued_at)
select (select id from next_run), (select max(id) from campaigns), c.id, 'queued', now(), now(), 'sms', 1, now()
from contacts c order by c.id on conflict (run_id, contact_id, reminder_key) do nothing;
\echo 5. and without the claim index
drop index deliveries_claimable_idx;
insert into deliveries (run_id, campaign_id, contact_id, state, due_at, next_attempt_at, transport, channel_id, queued_at)
select (select id from next_run), (select max(id) from campaigns), c.id, 'queued', now(), now(), 'sms', 1, now()
from contacts c order by c.id on conflict (run_id, contact_id, reminder_key) do nothing;
\echo 6. and without the unique (run, contact, reminder) key and on conflict: the primary key alone
drop index deliveries_run_id_contact_id_reminder_key_key;
insert into deliveries (run_id, campaign_id, contact_id, state, due_at, next_attempt_at, transport, channel_id, queued_at)
select (select id from next_run), (select max(id) from campaigns), c.id, 'queued', now(), now(), 'sms', 1, now()
from contacts c order by c.id;
