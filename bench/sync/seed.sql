-- Seeds one owner's rows for the pull benchmark, straight into the server's
-- tables (as a migration or import would): :people people and :edges edges
-- (each person joined to the next ones at offsets 1, 7, 31, 127, 1021, so
-- every unordered pair is distinct), versions 1..people+edges, and the
-- owner's sequence after them. psql -v sub=… -v people=… -v edges=… -f seed.sql
begin;
delete from wig.people where owner_id = :'sub';
delete from wig.edges where owner_id = :'sub';
insert into wig.owners (owner_id, last_seq) values (:'sub', :people + :edges)
  on conflict (owner_id) do update set last_seq = excluded.last_seq;
insert into wig.people (owner_id, id, version, erased, names, emails, phones, social_handles, title,
    organization_id, addresses, birth_date, merge_explanation, previous_ids, merged_into, metadata,
    created_at, updated_at, deleted_at)
  select :'sub', md5(:'sub' || '/p/' || g)::uuid, g, false,
    array['Person ' || g, 'P. ' || g], array['person' || g || '@example.org'], array['+1415555' || lpad((g % 10000)::text, 4, '0')],
    jsonb_build_object('linkedin', 'person' || g), case when g % 3 = 0 then 'Engineer' end,
    null, '{}', null, null, '{}', null, null,
    timestamptz '2025-01-01T00:00:00Z' + g * interval '1 second', timestamptz '2025-01-01T00:00:00Z' + g * interval '1 second', null
  from generate_series(1, :people) g;
insert into wig.edges (owner_id, id, version, erased, from_person_id, to_person_id, relationship_type,
    strength, strength_factors, sources, channels, first_seen_at, last_seen_at, interaction_count, metadata,
    created_at, updated_at, deleted_at)
  select :'sub', md5(:'sub' || '/e/' || g)::uuid, :people + g, false,
    md5(:'sub' || '/p/' || (1 + (g - 1) % :people))::uuid,
    md5(:'sub' || '/p/' || (1 + ((g - 1) % :people + (array[1, 7, 31, 127, 1021])[1 + ((g - 1) / :people) % 5]) % :people))::uuid,
    'knows', ((g * 37) % 1000) / 1000.0, '[]'::jsonb, array['gmail'], array['email']::text[],
    null, null, (g % 50)::bigint, null,
    timestamptz '2025-01-02T00:00:00Z', timestamptz '2025-01-02T00:00:00Z', null
  from generate_series(1, :edges) g;
commit;
-- A bulk load is followed by ANALYZE (autovacuum would run it a little later):
-- without statistics the planner takes the tables for empty, and the push
-- lookups of the other benchmark user scan 600,000 rows per change.
analyze wig.people;
analyze wig.edges;
analyze wig.owners;
analyze wig.applied_changes;
