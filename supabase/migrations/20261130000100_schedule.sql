-- Schedule: the published 7shifts shifts of each mapped location, so that a day's labor cost can
-- be projected to its close (issue 19, docs/projection.md). 7shifts has no shift webhooks: its
-- `schedule.published` webhook and the hourly vendor sync pull `GET /v2/company/{id}/shifts`
-- (published only) for a date range and replace that range here; deleted shifts are removed.
--
-- * public.scheduled_shifts: one row per published, not deleted 7shifts shift at a mapped
--   location, with its business day (the local date of its start, shifted back by the cut-off).

-- Fail fast rather than queue behind a webhook transaction (and hold up every one after it).
set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists public.scheduled_shifts (
  sevenshifts_shift_id bigint primary key,
  location_id bigint not null references public.locations (id) on delete cascade,
  business_date date not null,
  sevenshifts_company_id bigint not null,
  sevenshifts_location_id bigint not null,
  -- Null for an open (unassigned) shift: still labor the schedule expects to pay.
  user_id bigint,
  role_id bigint,
  department_id bigint,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  -- Cents per hour, exact (7shifts' v2 API gives cents; kept as numeric like punches' wages).
  hourly_wage_cents numeric not null
    check (hourly_wage_cents >= 0 and hourly_wage_cents = round(hourly_wage_cents, 2)),
  vendor_modified_at timestamptz not null,
  pulled_at timestamptz not null default now(),
  check (ends_at > starts_at and ends_at - starts_at <= interval '24 hours')
);
create index if not exists scheduled_shifts_location_day
  on public.scheduled_shifts (location_id, business_date);
comment on table public.scheduled_shifts is
  'Published, not deleted 7shifts shifts per mapped location and business day, pulled by the '
  'vendor sync (schedule.published webhook, hourly refresh of today and tomorrow).';

alter table public.scheduled_shifts enable row level security;
revoke all on public.scheduled_shifts from anon, authenticated;
grant select on public.scheduled_shifts to service_role;
