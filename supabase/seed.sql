-- Seed data for a local database: nothing the pipeline needs to run (locations are mapped by
-- the operator, the simulator or the demo), so the seed only records its own run. Supabase's
-- `supabase db reset` and the local stack both load this file after the migrations.
select 'seed loaded' as status;
