-- WIG sync server, part 3: records as JSON, and the two RPC functions
-- api.wig_push / api.wig_pull (sql/PROTOCOL.md).

-- Timestamps leave exactly as the client writes them (src/model/time.rs):
-- UTC, milliseconds, "Z".
--
-- Records are rendered as json (text), not jsonb: the page goes out as text
-- anyway, and building jsonb first cost about twice as much per row.
-- Return types changed from jsonb to json once; "create or replace" cannot
-- change a return type, so drop first (the file runs in one transaction).
-- The pull page's type: json under a media-type name (PostgREST's "media
-- type handlers", as postrust implements them). A client that sends
-- `Accept: application/vnd.wig.pull+json` gets the function's text as the
-- body, passed through; any other Accept gets the same JSON rendered the
-- usual way. The pass-through spares the gateway decoding and re-encoding
-- every page (it cost more CPU than PostgreSQL building it).
do $$
begin
  if to_regtype('api."application/vnd.wig.pull+json"') is null then
    create domain api."application/vnd.wig.pull+json" as json;
  end if;
end $$;

do $$
begin
  if exists (select 1 from pg_proc where oid = to_regprocedure('api.wig_pull(bigint, integer)')
             and prorettype <> 'api."application/vnd.wig.pull+json"'::regtype) then
    drop function api.wig_pull(bigint, integer);
  end if;
  if exists (select 1 from pg_proc where oid = to_regprocedure('wig.person_record(wig.people)')
             and prorettype = 'jsonb'::regtype) then
    drop function wig.person_record(wig.people);
    drop function wig.organization_record(wig.organizations);
    drop function wig.edge_record(wig.edges);
    drop function wig.interaction_record(wig.interactions);
    drop function wig.merge_record(wig.merges);
  end if;
  -- wig.push_at_once became wig.push_typed(..., v_checked => true): one body
  -- for both independent-batch paths. A changed argument list is a new
  -- function, so the old ones go.
  drop function if exists wig.push_at_once(jsonb, text);
  drop function if exists wig.push_typed(jsonb, text);
end $$;

create or replace function wig.ts(t timestamptz) returns text
  language sql stable parallel safe
  as $$ select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

create or replace function wig.person_record(p wig.people) returns json
  language sql stable parallel safe
  as $$ select json_build_object(
    'id', p.id, 'names', p.names, 'emails', p.emails, 'phones', p.phones,
    'socialHandles', p.social_handles, 'title', p.title, 'organizationId', p.organization_id,
    'addresses', p.addresses, 'birthDate', to_char(p.birth_date, 'YYYY-MM-DD'),
    'mergeExplanation', p.merge_explanation, 'previousIds', p.previous_ids,
    'mergedInto', p.merged_into, 'metadata', p.metadata, 'createdAt', wig.ts(p.created_at),
    'updatedAt', wig.ts(p.updated_at), 'deletedAt', wig.ts(p.deleted_at)) $$;

create or replace function wig.organization_record(o wig.organizations) returns json
  language sql stable parallel safe
  as $$ select json_build_object(
    'id', o.id, 'name', o.name, 'domain', o.domain, 'mergeExplanation', o.merge_explanation,
    'previousIds', o.previous_ids, 'mergedInto', o.merged_into, 'metadata', o.metadata,
    'createdAt', wig.ts(o.created_at), 'updatedAt', wig.ts(o.updated_at),
    'deletedAt', wig.ts(o.deleted_at)) $$;

create or replace function wig.edge_record(e wig.edges) returns json
  language sql stable parallel safe
  as $$ select json_build_object(
    'id', e.id, 'fromPersonId', e.from_person_id, 'toPersonId', e.to_person_id,
    'relationshipType', e.relationship_type, 'strength', e.strength,
    'strengthFactors', e.strength_factors, 'sources', e.sources, 'channels', e.channels,
    'firstSeenAt', wig.ts(e.first_seen_at), 'lastSeenAt', wig.ts(e.last_seen_at),
    'interactionCount', e.interaction_count, 'metadata', e.metadata,
    'createdAt', wig.ts(e.created_at), 'updatedAt', wig.ts(e.updated_at),
    'deletedAt', wig.ts(e.deleted_at)) $$;

create or replace function wig.interaction_record(i wig.interactions) returns json
  language sql stable parallel safe
  as $$ select json_build_object(
    'id', i.id, 'sourceName', i.source_name, 'sourceId', i.source_id,
    'timestamp', wig.ts(i."timestamp"), 'participants', i.participants, 'channel', i.channel,
    'direction', i.direction, 'sender', i.sender, 'durationMinutes', i.duration_minutes,
    'metadata', i.metadata, 'createdAt', wig.ts(i.created_at), 'updatedAt', wig.ts(i.updated_at),
    'deletedAt', wig.ts(i.deleted_at)) $$;

create or replace function wig.merge_record(m wig.merges) returns json
  language sql stable parallel safe
  as $$ select json_build_object(
    'id', m.id, 'seq', m.seq, 'entityType', m.entity_type, 'targetId', m.target_id,
    'sourceIds', m.source_ids, 'explanation', m.explanation, 'peopleBefore', m.people_before,
    'peopleAfter', m.people_after, 'organizationsBefore', m.organizations_before,
    'organizationsAfter', m.organizations_after, 'edgesBefore', m.edges_before,
    'edgesAfter', m.edges_after, 'removedEdgeIds', m.removed_edge_ids,
    'createdAt', wig.ts(m.created_at), 'undoneAt', wig.ts(m.undone_at)) $$;

-- The server's row as a conflict reports it: {id, version, erased, record}.
create or replace function wig.server_row(kind text, owner text, row_id uuid) returns jsonb
  language sql stable
  as $$
    select jsonb_build_object('id', x.id, 'version', x.version, 'erased', x.erased,
                              'record', case when x.erased then null else x.record end)
    from (
      select id, version, erased, wig.person_record(t) as record from wig.people t
        where kind = 'person' and owner_id = owner and id = row_id
      union all
      select id, version, erased, wig.organization_record(t) from wig.organizations t
        where kind = 'organization' and owner_id = owner and id = row_id
      union all
      select id, version, erased, wig.edge_record(t) from wig.edges t
        where kind = 'edge' and owner_id = owner and id = row_id
      union all
      select id, version, erased, wig.interaction_record(t) from wig.interactions t
        where kind = 'interaction' and owner_id = owner and id = row_id
      union all
      select id, version, erased, wig.merge_record(t) from wig.merges t
        where kind = 'merge' and owner_id = owner and id = row_id
    ) x
  $$;

create or replace function wig.require_owner() returns text
  language plpgsql stable
  as $$
declare
  v_owner text := wig.current_owner();
begin
  if v_owner is null or v_owner = '' then
    raise exception using errcode = '42501', message = 'no owner: the token carries no sub claim';
  end if;
  -- The gateway accepts tokens without exp (as PostgREST does); a token that
  -- never expires is not accepted here.
  if nullif(current_setting('request.jwt.claims', true), '')::json ->> 'exp' is null then
    raise exception using errcode = '42501', message = 'the token carries no exp claim';
  end if;
  return v_owner;
end
$$;

-- Change by change, in order: for batches whose changes depend on each other
-- (the same record twice, an edge pair freed and taken again, erases).
-- The caller holds the owner's row lock.
create or replace function wig.push_in_order(changes jsonb, v_owner text) returns jsonb
  language plpgsql volatile
  set jit = off
  -- Key lookups only: see wig.push_typed on why generic plans.
  set plan_cache_mode = force_generic_plan
  as $$
declare
  v_seq bigint;
  v_change jsonb;
  v_change_id uuid;
  v_kind text;
  v_id uuid;
  v_op text;
  v_base bigint;
  v_record jsonb;
  v_current bigint;
  v_done bigint;
  v_other uuid;
  v_reason text;
  v_applied jsonb[] := '{}';
  v_conflicts jsonb[] := '{}';
  v_table text;
begin
  select last_seq into v_seq from wig.owners where owner_id = v_owner;

  for v_change in select value from jsonb_array_elements(changes) loop
    v_change_id := (v_change ->> 'change_id')::uuid;
    v_kind := v_change ->> 'kind';
    v_id := (v_change ->> 'id')::uuid;
    v_op := v_change ->> 'op';
    v_base := (v_change ->> 'base_version')::bigint;
    v_record := v_change -> 'record';

    -- 1. Already applied (a retried batch): report it again, write nothing.
    select a.version into v_done from wig.applied_changes a
      where a.owner_id = v_owner and a.change_id = v_change_id;
    if found then
      v_applied := v_applied || jsonb_build_object('change_id', v_change_id, 'id', v_id, 'version', v_done);
      continue;
    end if;

    -- 2. Conflicts: the server moved on since the client's base, or the edit
    -- would break one of the model's unique constraints.
    v_current := null;
    case v_kind
      when 'person' then select t.version into v_current from wig.people t where t.owner_id = v_owner and t.id = v_id;
      when 'organization' then select t.version into v_current from wig.organizations t where t.owner_id = v_owner and t.id = v_id;
      when 'edge' then select t.version into v_current from wig.edges t where t.owner_id = v_owner and t.id = v_id;
      when 'interaction' then select t.version into v_current from wig.interactions t where t.owner_id = v_owner and t.id = v_id;
      when 'merge' then select t.version into v_current from wig.merges t where t.owner_id = v_owner and t.id = v_id;
    end case;
    v_reason := null;
    v_other := null;
    if v_current is not null and v_current > v_base then
      v_reason := 'stale_base';
      v_other := v_id;
    elsif v_kind = 'edge' and v_op <> 'erase' and v_record ->> 'deletedAt' is null then
      select t.id into v_other from wig.edges t
        where t.owner_id = v_owner and not t.erased and t.deleted_at is null
          and least(t.from_person_id, t.to_person_id)
              = least((v_record ->> 'fromPersonId')::uuid, (v_record ->> 'toPersonId')::uuid)
          and greatest(t.from_person_id, t.to_person_id)
              = greatest((v_record ->> 'fromPersonId')::uuid, (v_record ->> 'toPersonId')::uuid)
          and t.id <> v_id;
      if found then v_reason := 'duplicate_pair'; end if;
    elsif v_kind = 'interaction' and v_op <> 'erase' then
      select t.id into v_other from wig.interactions t
        where t.owner_id = v_owner and t.source_name = v_record ->> 'sourceName'
          and t.source_id = v_record ->> 'sourceId' and t.id <> v_id;
      if found then v_reason := 'duplicate_source'; end if;
    end if;
    if v_reason is not null then
      v_conflicts := v_conflicts || jsonb_build_object('change_id', v_change_id, 'kind', v_kind,
        'id', v_id, 'reason', v_reason, 'server', wig.server_row(v_kind, v_owner, v_other));
      continue;
    end if;

    -- 3. Write with the next version.
    v_seq := v_seq + 1;
    if v_op = 'erase' then
      -- A tombstone: the row's data is gone, its id and version remain so that
      -- other devices learn of the erasure.
      v_table := case v_kind when 'person' then 'people' when 'organization' then 'organizations'
                             when 'edge' then 'edges' when 'interaction' then 'interactions'
                             else 'merges' end;
      -- Rows are never deleted (authenticated has no DELETE): the tombstone
      -- overwrites every data column with null.
      execute format('insert into wig.%I as t (owner_id, id, version, erased) values ($1, $2, $3, true) '
                     'on conflict (owner_id, id) do update set version = excluded.version, erased = true, %s',
                     v_table,
                     (select string_agg(format('%I = null', a.attname), ', ' order by a.attnum)
                      from pg_attribute a
                      where a.attrelid = format('wig.%I', v_table)::regclass and a.attnum > 0
                        and not a.attisdropped and a.attname not in ('owner_id', 'id', 'version', 'erased')))
        using v_owner, v_id, v_seq;
    else
      case v_kind
      when 'person' then
        insert into wig.people as t (owner_id, id, version, erased, names, emails, phones, social_handles,
          title, organization_id, addresses, birth_date, merge_explanation, previous_ids, merged_into,
          metadata, created_at, updated_at, deleted_at)
        select v_owner, v_id, v_seq, false, r.names, r.emails, r.phones, r."socialHandles", r.title,
          r."organizationId", r.addresses, r."birthDate", r."mergeExplanation", r."previousIds",
          r."mergedInto", r.metadata, r."createdAt", r."updatedAt", r."deletedAt"
        from jsonb_to_record(v_record) as r(names text[], emails text[], phones text[],
          "socialHandles" jsonb, title text, "organizationId" uuid, addresses text[], "birthDate" date,
          "mergeExplanation" jsonb, "previousIds" uuid[], "mergedInto" uuid, metadata jsonb,
          "createdAt" timestamptz, "updatedAt" timestamptz, "deletedAt" timestamptz)
        on conflict (owner_id, id) do update set version = excluded.version, erased = false,
          names = excluded.names, emails = excluded.emails, phones = excluded.phones,
          social_handles = excluded.social_handles, title = excluded.title,
          organization_id = excluded.organization_id, addresses = excluded.addresses,
          birth_date = excluded.birth_date, merge_explanation = excluded.merge_explanation,
          previous_ids = excluded.previous_ids, merged_into = excluded.merged_into,
          metadata = excluded.metadata, created_at = excluded.created_at,
          updated_at = excluded.updated_at, deleted_at = excluded.deleted_at;
      when 'organization' then
        insert into wig.organizations as t (owner_id, id, version, erased, name, domain, merge_explanation,
          previous_ids, merged_into, metadata, created_at, updated_at, deleted_at)
        select v_owner, v_id, v_seq, false, r.name, r.domain, r."mergeExplanation", r."previousIds",
          r."mergedInto", r.metadata, r."createdAt", r."updatedAt", r."deletedAt"
        from jsonb_to_record(v_record) as r(name text, domain text, "mergeExplanation" jsonb,
          "previousIds" uuid[], "mergedInto" uuid, metadata jsonb, "createdAt" timestamptz,
          "updatedAt" timestamptz, "deletedAt" timestamptz)
        on conflict (owner_id, id) do update set version = excluded.version, erased = false,
          name = excluded.name, domain = excluded.domain, merge_explanation = excluded.merge_explanation,
          previous_ids = excluded.previous_ids, merged_into = excluded.merged_into,
          metadata = excluded.metadata, created_at = excluded.created_at,
          updated_at = excluded.updated_at, deleted_at = excluded.deleted_at;
      when 'edge' then
        insert into wig.edges as t (owner_id, id, version, erased, from_person_id, to_person_id,
          relationship_type, strength, strength_factors, sources, channels, first_seen_at, last_seen_at,
          interaction_count, metadata, created_at, updated_at, deleted_at)
        select v_owner, v_id, v_seq, false, r."fromPersonId", r."toPersonId", r."relationshipType",
          r.strength, r."strengthFactors", r.sources, r.channels, r."firstSeenAt", r."lastSeenAt",
          r."interactionCount", r.metadata, r."createdAt", r."updatedAt", r."deletedAt"
        from jsonb_to_record(v_record) as r("fromPersonId" uuid, "toPersonId" uuid,
          "relationshipType" text, strength double precision, "strengthFactors" jsonb, sources text[],
          channels text[], "firstSeenAt" timestamptz, "lastSeenAt" timestamptz,
          "interactionCount" bigint, metadata jsonb, "createdAt" timestamptz,
          "updatedAt" timestamptz, "deletedAt" timestamptz)
        on conflict (owner_id, id) do update set version = excluded.version, erased = false,
          from_person_id = excluded.from_person_id, to_person_id = excluded.to_person_id,
          relationship_type = excluded.relationship_type, strength = excluded.strength,
          strength_factors = excluded.strength_factors, sources = excluded.sources,
          channels = excluded.channels, first_seen_at = excluded.first_seen_at,
          last_seen_at = excluded.last_seen_at, interaction_count = excluded.interaction_count,
          metadata = excluded.metadata, created_at = excluded.created_at,
          updated_at = excluded.updated_at, deleted_at = excluded.deleted_at;
      when 'interaction' then
        insert into wig.interactions as t (owner_id, id, version, erased, source_name, source_id,
          "timestamp", participants, channel, direction, sender, duration_minutes, metadata,
          created_at, updated_at, deleted_at)
        select v_owner, v_id, v_seq, false, r."sourceName", r."sourceId", r."timestamp",
          r.participants, r.channel, r.direction, r.sender, r."durationMinutes", r.metadata,
          r."createdAt", r."updatedAt", r."deletedAt"
        from jsonb_to_record(v_record) as r("sourceName" text, "sourceId" text,
          "timestamp" timestamptz, participants text[], channel text, direction text, sender text,
          "durationMinutes" double precision, metadata jsonb, "createdAt" timestamptz,
          "updatedAt" timestamptz, "deletedAt" timestamptz)
        on conflict (owner_id, id) do update set version = excluded.version, erased = false,
          source_name = excluded.source_name, source_id = excluded.source_id,
          "timestamp" = excluded."timestamp", participants = excluded.participants,
          channel = excluded.channel, direction = excluded.direction, sender = excluded.sender,
          duration_minutes = excluded.duration_minutes, metadata = excluded.metadata,
          created_at = excluded.created_at, updated_at = excluded.updated_at,
          deleted_at = excluded.deleted_at;
      when 'merge' then
        insert into wig.merges as t (owner_id, id, version, erased, seq, entity_type, target_id,
          source_ids, explanation, people_before, people_after, organizations_before,
          organizations_after, edges_before, edges_after, removed_edge_ids, created_at, undone_at)
        select v_owner, v_id, v_seq, false, r.seq, r."entityType", r."targetId", r."sourceIds",
          r.explanation, r."peopleBefore", r."peopleAfter", r."organizationsBefore",
          r."organizationsAfter", r."edgesBefore", r."edgesAfter", r."removedEdgeIds",
          r."createdAt", r."undoneAt"
        from jsonb_to_record(v_record) as r(seq bigint, "entityType" text, "targetId" uuid,
          "sourceIds" uuid[], explanation jsonb, "peopleBefore" jsonb, "peopleAfter" jsonb,
          "organizationsBefore" jsonb, "organizationsAfter" jsonb, "edgesBefore" jsonb,
          "edgesAfter" jsonb, "removedEdgeIds" uuid[], "createdAt" timestamptz,
          "undoneAt" timestamptz)
        on conflict (owner_id, id) do update set version = excluded.version, erased = false,
          seq = excluded.seq, entity_type = excluded.entity_type, target_id = excluded.target_id,
          source_ids = excluded.source_ids, explanation = excluded.explanation,
          people_before = excluded.people_before, people_after = excluded.people_after,
          organizations_before = excluded.organizations_before,
          organizations_after = excluded.organizations_after, edges_before = excluded.edges_before,
          edges_after = excluded.edges_after, removed_edge_ids = excluded.removed_edge_ids,
          created_at = excluded.created_at, undone_at = excluded.undone_at;
      end case;
    end if;
    insert into wig.applied_changes (owner_id, change_id, id, version)
      values (v_owner, v_change_id, v_id, v_seq);
    v_applied := v_applied || jsonb_build_object('change_id', v_change_id, 'id', v_id, 'version', v_seq);
  end loop;

  update wig.owners set last_seq = v_seq where owner_id = v_owner;
  return jsonb_build_object('applied', to_jsonb(v_applied), 'conflicts', to_jsonb(v_conflicts),
                            'checkpoint', v_seq);
end
$$;

-- The whole batch in one statement, when its changes are independent of each
-- other: no change id, record id, edge pair or interaction source twice, no
-- erase, and no conflicting server row that the batch itself also changes.
-- Then applying all at once gives exactly what applying them in order would,
-- and costs a fraction of the per-change loop. Returns null (having written
-- nothing) when the batch is not of that kind; wig.push_in_order handles it.
--
-- Two callers, one body (so that the conflict rules and the writes exist once):
-- v_checked = false, the common push: records in the clients' canonical form.
-- Each change and each record is read once into typed columns
-- (jsonb_to_record), checked on those columns and written from them: no
-- separate validation pass over the JSON, no second extraction for the write.
-- A record is valid here when each typed column, rendered back, equals the
-- input's value (lower-case UUIDs, 2024-05-01T12:00:00.000Z timestamps,
-- strings in string arrays, no unknown or missing key) and the few checks a
-- rendering cannot make hold (nulls, ranges, enums, nested JSON shapes, size).
-- This accepts a subset of what wig.check_changes accepts. Returns null,
-- having written nothing, when any change is outside that subset; a cast that
-- throws is caught by the caller. Either way the caller then runs
-- wig.check_changes, which names the problem, and calls again with
-- v_checked = true: the envelope and record checks are not run (see "go")
-- and any valid spelling of a value is accepted and written typed.
-- The caller holds the owner's row lock and has checked the array's length.
-- plan_cache_mode = force_generic_plan: every lookup here is by a whole key
-- ((owner, id), (owner, change id), (owner, pair)). A custom plan, made for
-- the actual owner, goes wrong for an owner the statistics do not know yet
-- (a new user): it estimates one row for "owner_id = $1" and may then probe
-- (owner_id, version) instead of the primary key, scanning all of that
-- owner's rows per change — pushes of 5,000 grew from 0.4 s to 7 s per call
-- as the owner's rows grew. A generic plan estimates rows per owner from
-- the table's averages, so the unique indexes always win.
create or replace function wig.push_typed(changes jsonb, v_owner text, v_checked boolean) returns jsonb
  language plpgsql volatile
  set jit = off
  set plan_cache_mode = force_generic_plan
  -- The materialized steps of a 5,000-change batch hold ~5 copies of ~1 kB
  -- records: with the default 4 MB they spill to temporary files.
  set work_mem = '64MB'
  as $$
declare
  v_seq bigint;
  v_result jsonb;
  v_go boolean;
begin
  select last_seq into v_seq from wig.owners where owner_id = v_owner;

  with c as materialized (
    select (t.i - 1)::int as idx, t.ch, e.change_id, e.kind, e.id, e.op, e.base_version as base,
           e.record as rec,
           case when e.kind = 'edge' and e.op <> 'erase' and e.record ->> 'deletedAt' is null
                then least((e.record ->> 'fromPersonId')::uuid, (e.record ->> 'toPersonId')::uuid) end as pair_a,
           case when e.kind = 'edge' and e.op <> 'erase' and e.record ->> 'deletedAt' is null
                then greatest((e.record ->> 'fromPersonId')::uuid, (e.record ->> 'toPersonId')::uuid) end as pair_b,
           case when e.kind = 'interaction' and e.op <> 'erase' then e.record ->> 'sourceName' end as source_name,
           case when e.kind = 'interaction' and e.op <> 'erase' then e.record ->> 'sourceId' end as source_id
    from jsonb_array_elements(changes) with ordinality t(ch, i)
      cross join lateral jsonb_to_record(t.ch)
        as e(change_id uuid, kind text, id uuid, op text, base_version bigint, record jsonb)
  ), envelope_ok as (
    select coalesce(bool_and(coalesce(
        -- Key by key, not by building the envelope again (that copies the record).
        (c.ch - array['change_id', 'kind', 'id', 'op', 'base_version', 'record']) = '{}'::jsonb
        and c.ch -> 'change_id' = to_jsonb(c.change_id) and c.ch -> 'kind' = to_jsonb(c.kind)
        and c.ch -> 'id' = to_jsonb(c.id) and c.ch -> 'op' = to_jsonb(c.op)
        and c.ch -> 'base_version' = to_jsonb(c.base)
        and c.change_id is not null and c.id is not null
        and c.base between 0 and 9007199254740991
        and c.kind in ('person', 'organization', 'edge', 'interaction', 'merge')
        and case
          when c.op = 'erase' then c.rec is null
          when c.op not in ('upsert', 'delete') then false
          else jsonb_typeof(c.rec) = 'object' and pg_column_size(c.rec) <= 40000
        end, false)), true) as yes
    from c
  ), probed as materialized (
    -- Not c.*: the envelope (ch) is not needed past envelope_ok, and every
    -- materialized copy of it costs a copy of the record.
    select c.idx, c.change_id, c.kind, c.id, c.op, c.base, c.rec, c.pair_a, c.pair_b,
           c.source_name, c.source_id,
      (select a.version from wig.applied_changes a
        where a.owner_id = v_owner and a.change_id = c.change_id) as done_version,
      case c.kind
        when 'person' then (select x.version from wig.people x where x.owner_id = v_owner and x.id = c.id)
        when 'organization' then (select x.version from wig.organizations x where x.owner_id = v_owner and x.id = c.id)
        when 'edge' then (select x.version from wig.edges x where x.owner_id = v_owner and x.id = c.id)
        when 'interaction' then (select x.version from wig.interactions x where x.owner_id = v_owner and x.id = c.id)
        when 'merge' then (select x.version from wig.merges x where x.owner_id = v_owner and x.id = c.id)
      end as cur_version,
      case when c.pair_a is not null then (
        select e.id from wig.edges e
        where e.owner_id = v_owner and not e.erased and e.deleted_at is null
          and least(e.from_person_id, e.to_person_id) = c.pair_a
          and greatest(e.from_person_id, e.to_person_id) = c.pair_b and e.id <> c.id) end as pair_other,
      case when c.source_name is not null then (
        select i.id from wig.interactions i
        where i.owner_id = v_owner and i.source_name = c.source_name
          and i.source_id = c.source_id and i.id <> c.id) end as source_other
    from c
  ), independent as (
    select not (
         exists (select 1 from c where c.op = 'erase')
      or (select count(distinct change_id) from c) < (select count(*) from c)
      or exists (select 1 from c group by kind, id having count(*) > 1)
      or exists (select 1 from c where pair_a is not null group by pair_a, pair_b having count(*) > 1)
      or exists (select 1 from c where source_name is not null group by source_name, source_id having count(*) > 1)
      or exists (select 1 from probed p where p.pair_other in (select id from c where kind = 'edge'))
      or exists (select 1 from probed p where p.source_other in (select id from c where kind = 'interaction'))
    ) as yes
  ), judged as (
    select p.*,
      case when p.done_version is not null then 'done'
           when p.cur_version > p.base then 'stale_base'
           when p.pair_other is not null then 'duplicate_pair'
           when p.source_other is not null then 'duplicate_source'
           else 'write' end as status,
      case when p.cur_version > p.base then p.id else coalesce(p.pair_other, p.source_other) end as other
    from probed p
  ), status as materialized (
    select j.*,
      case when j.status = 'write'
           then v_seq + count(*) filter (where j.status = 'write') over (order by j.idx) end as new_version
    from judged j
  ), people_rows as materialized (
    select s.idx, s.id as change_record_id, s.op as change_op, s.status as change_status,
           s.new_version, s.rec as change_rec, p.*
    from status s cross join lateral jsonb_to_record(s.rec) as p("id" uuid, "names" text[], "emails" text[], "phones" text[], "socialHandles" jsonb, "title" text, "organizationId" uuid, "addresses" text[], "birthDate" date, "mergeExplanation" jsonb, "previousIds" uuid[], "mergedInto" uuid, "metadata" jsonb, "createdAt" timestamptz, "updatedAt" timestamptz, "deletedAt" timestamptz)
    where s.kind = 'person' and s.op <> 'erase'
  ), organizations_rows as materialized (
    select s.idx, s.id as change_record_id, s.op as change_op, s.status as change_status,
           s.new_version, s.rec as change_rec, o.*
    from status s cross join lateral jsonb_to_record(s.rec) as o("id" uuid, "name" text, "domain" text, "mergeExplanation" jsonb, "previousIds" uuid[], "mergedInto" uuid, "metadata" jsonb, "createdAt" timestamptz, "updatedAt" timestamptz, "deletedAt" timestamptz)
    where s.kind = 'organization' and s.op <> 'erase'
  ), edges_rows as materialized (
    select s.idx, s.id as change_record_id, s.op as change_op, s.status as change_status,
           s.new_version, s.rec as change_rec, e.*
    from status s cross join lateral jsonb_to_record(s.rec) as e("id" uuid, "fromPersonId" uuid, "toPersonId" uuid, "relationshipType" text, "strength" double precision, "strengthFactors" jsonb, "sources" text[], "channels" text[], "firstSeenAt" timestamptz, "lastSeenAt" timestamptz, "interactionCount" bigint, "metadata" jsonb, "createdAt" timestamptz, "updatedAt" timestamptz, "deletedAt" timestamptz)
    where s.kind = 'edge' and s.op <> 'erase'
  ), interactions_rows as materialized (
    select s.idx, s.id as change_record_id, s.op as change_op, s.status as change_status,
           s.new_version, s.rec as change_rec, i.*
    from status s cross join lateral jsonb_to_record(s.rec) as i("id" uuid, "sourceName" text, "sourceId" text, "timestamp" timestamptz, "participants" text[], "channel" text, "direction" text, "sender" text, "durationMinutes" double precision, "metadata" jsonb, "createdAt" timestamptz, "updatedAt" timestamptz, "deletedAt" timestamptz)
    where s.kind = 'interaction' and s.op <> 'erase'
  ), merges_rows as materialized (
    select s.idx, s.id as change_record_id, s.op as change_op, s.status as change_status,
           s.new_version, s.rec as change_rec, m.*
    from status s cross join lateral jsonb_to_record(s.rec) as m("id" uuid, "seq" bigint, "entityType" text, "targetId" uuid, "sourceIds" uuid[], "explanation" jsonb, "peopleBefore" jsonb, "peopleAfter" jsonb, "organizationsBefore" jsonb, "organizationsAfter" jsonb, "edgesBefore" jsonb, "edgesAfter" jsonb, "removedEdgeIds" uuid[], "createdAt" timestamptz, "undoneAt" timestamptz)
    where s.kind = 'merge' and s.op <> 'erase'
  ), records_ok as (
    select true
      and not exists (select 1 from people_rows p where not coalesce(
            p.id = p.change_record_id
            and (p.change_op <> 'delete' or p."deletedAt" is not null)
            and (p.change_rec - array['id', 'names', 'emails', 'phones', 'socialHandles', 'title', 'organizationId', 'addresses', 'birthDate', 'mergeExplanation', 'previousIds', 'mergedInto', 'metadata', 'createdAt', 'updatedAt', 'deletedAt', 'syncVersion']) = '{}'::jsonb
            and p.change_rec -> 'id' = to_jsonb(p."id")
            and p.change_rec -> 'names' = to_jsonb(p."names")
            and p.change_rec -> 'emails' = to_jsonb(p."emails")
            and p.change_rec -> 'phones' = to_jsonb(p."phones")
            and p.change_rec -> 'title' = coalesce(to_jsonb(p."title"), 'null')
            and p.change_rec -> 'organizationId' = coalesce(to_jsonb(p."organizationId"), 'null')
            and p.change_rec -> 'addresses' = to_jsonb(p."addresses")
            and p.change_rec -> 'birthDate' = coalesce(to_jsonb(to_char(p."birthDate", 'YYYY-MM-DD')), 'null')
            and p.change_rec -> 'previousIds' = to_jsonb(p."previousIds")
            and p.change_rec -> 'mergedInto' = coalesce(to_jsonb(p."mergedInto"), 'null')
            and p.change_rec -> 'createdAt' = to_jsonb(wig.ts(p."createdAt"))
            and p.change_rec -> 'updatedAt' = to_jsonb(wig.ts(p."updatedAt"))
            and p.change_rec -> 'deletedAt' = coalesce(to_jsonb(wig.ts(p."deletedAt")), 'null')
            and p."id" is not null
            and (p."names" is not null and cardinality(p."names") <= 10000 and array_position(p."names", null) is null and coalesce(array_ndims(p."names"), 1) = 1)
            and (p."emails" is not null and cardinality(p."emails") <= 10000 and array_position(p."emails", null) is null and coalesce(array_ndims(p."emails"), 1) = 1)
            and (p."phones" is not null and cardinality(p."phones") <= 10000 and array_position(p."phones", null) is null and coalesce(array_ndims(p."phones"), 1) = 1)
            and (p."socialHandles" is not null and jsonb_typeof(p."socialHandles") = 'object' and not jsonb_path_exists(p."socialHandles", 'strict $.* ? (@.type() != "string")'))
            and (p."addresses" is not null and cardinality(p."addresses") <= 10000 and array_position(p."addresses", null) is null and coalesce(array_ndims(p."addresses"), 1) = 1)
            and (p."birthDate" is null or (p."birthDate" between '1000-01-01' and '9999-12-31'))
            and (p."previousIds" is not null and cardinality(p."previousIds") <= 10000 and array_position(p."previousIds", null) is null and coalesce(array_ndims(p."previousIds"), 1) = 1)
            and (p."createdAt" is not null and p."createdAt" >= '1000-01-01T00:00:00Z' and p."createdAt" < '10000-01-01T00:00:00Z')
            and (p."updatedAt" is not null and p."updatedAt" >= '1000-01-01T00:00:00Z' and p."updatedAt" < '10000-01-01T00:00:00Z')
            and (p."deletedAt" is null or (p."deletedAt" >= '1000-01-01T00:00:00Z' and p."deletedAt" < '10000-01-01T00:00:00Z')), false))
      and not exists (select 1 from organizations_rows o where not coalesce(
            o.id = o.change_record_id
            and (o.change_op <> 'delete' or o."deletedAt" is not null)
            and (o.change_rec - array['id', 'name', 'domain', 'mergeExplanation', 'previousIds', 'mergedInto', 'metadata', 'createdAt', 'updatedAt', 'deletedAt', 'syncVersion']) = '{}'::jsonb
            and o.change_rec -> 'id' = to_jsonb(o."id")
            and o.change_rec -> 'name' = to_jsonb(o."name")
            and o.change_rec -> 'domain' = coalesce(to_jsonb(o."domain"), 'null')
            and o.change_rec -> 'previousIds' = to_jsonb(o."previousIds")
            and o.change_rec -> 'mergedInto' = coalesce(to_jsonb(o."mergedInto"), 'null')
            and o.change_rec -> 'createdAt' = to_jsonb(wig.ts(o."createdAt"))
            and o.change_rec -> 'updatedAt' = to_jsonb(wig.ts(o."updatedAt"))
            and o.change_rec -> 'deletedAt' = coalesce(to_jsonb(wig.ts(o."deletedAt")), 'null')
            and o."id" is not null
            and o."name" is not null
            and (o."previousIds" is not null and cardinality(o."previousIds") <= 10000 and array_position(o."previousIds", null) is null and coalesce(array_ndims(o."previousIds"), 1) = 1)
            and (o."createdAt" is not null and o."createdAt" >= '1000-01-01T00:00:00Z' and o."createdAt" < '10000-01-01T00:00:00Z')
            and (o."updatedAt" is not null and o."updatedAt" >= '1000-01-01T00:00:00Z' and o."updatedAt" < '10000-01-01T00:00:00Z')
            and (o."deletedAt" is null or (o."deletedAt" >= '1000-01-01T00:00:00Z' and o."deletedAt" < '10000-01-01T00:00:00Z')), false))
      and not exists (select 1 from edges_rows e where not coalesce(
            e.id = e.change_record_id
            and (e.change_op <> 'delete' or e."deletedAt" is not null)
            and (e.change_rec - array['id', 'fromPersonId', 'toPersonId', 'relationshipType', 'strength', 'strengthFactors', 'sources', 'channels', 'firstSeenAt', 'lastSeenAt', 'interactionCount', 'metadata', 'createdAt', 'updatedAt', 'deletedAt', 'syncVersion']) = '{}'::jsonb
            and e.change_rec -> 'id' = to_jsonb(e."id")
            and e.change_rec -> 'fromPersonId' = to_jsonb(e."fromPersonId")
            and e.change_rec -> 'toPersonId' = to_jsonb(e."toPersonId")
            and e.change_rec -> 'relationshipType' = to_jsonb(e."relationshipType")
            and e.change_rec -> 'strength' = to_jsonb(e."strength")
            and e.change_rec -> 'sources' = to_jsonb(e."sources")
            and e.change_rec -> 'channels' = to_jsonb(e."channels")
            and e.change_rec -> 'firstSeenAt' = coalesce(to_jsonb(wig.ts(e."firstSeenAt")), 'null')
            and e.change_rec -> 'lastSeenAt' = coalesce(to_jsonb(wig.ts(e."lastSeenAt")), 'null')
            and e.change_rec -> 'interactionCount' = to_jsonb(e."interactionCount")
            and e.change_rec -> 'createdAt' = to_jsonb(wig.ts(e."createdAt"))
            and e.change_rec -> 'updatedAt' = to_jsonb(wig.ts(e."updatedAt"))
            and e.change_rec -> 'deletedAt' = coalesce(to_jsonb(wig.ts(e."deletedAt")), 'null')
            and e."id" is not null
            and e."fromPersonId" is not null
            and e."toPersonId" is not null
            and (e."relationshipType" is not null and e."relationshipType" = any (array['knows', 'connected_to', 'interacted_with', 'worked_at', 'advised', 'invested_in']))
            and e."strength" is not null
            and (e."strengthFactors" is not null and jsonb_typeof(e."strengthFactors") = 'array' and jsonb_array_length(e."strengthFactors") <= 10000 and not jsonb_path_exists(e."strengthFactors", 'strict $[*] ? (@.type() != "object")'))
            and (e."sources" is not null and cardinality(e."sources") <= 10000 and array_position(e."sources", null) is null and coalesce(array_ndims(e."sources"), 1) = 1)
            and (e."channels" is not null and cardinality(e."channels") <= 10000 and array_position(e."channels", null) is null and coalesce(array_ndims(e."channels"), 1) = 1 and e."channels" <@ array['email', 'message', 'meeting', 'call', 'other'])
            and (e."firstSeenAt" is null or (e."firstSeenAt" >= '1000-01-01T00:00:00Z' and e."firstSeenAt" < '10000-01-01T00:00:00Z'))
            and (e."lastSeenAt" is null or (e."lastSeenAt" >= '1000-01-01T00:00:00Z' and e."lastSeenAt" < '10000-01-01T00:00:00Z'))
            and (e."interactionCount" is not null and e."interactionCount" between 0 and 9007199254740991)
            and (e."createdAt" is not null and e."createdAt" >= '1000-01-01T00:00:00Z' and e."createdAt" < '10000-01-01T00:00:00Z')
            and (e."updatedAt" is not null and e."updatedAt" >= '1000-01-01T00:00:00Z' and e."updatedAt" < '10000-01-01T00:00:00Z')
            and (e."deletedAt" is null or (e."deletedAt" >= '1000-01-01T00:00:00Z' and e."deletedAt" < '10000-01-01T00:00:00Z')), false))
      and not exists (select 1 from interactions_rows i where not coalesce(
            i.id = i.change_record_id
            and (i.change_op <> 'delete' or i."deletedAt" is not null)
            and (i.change_rec - array['id', 'sourceName', 'sourceId', 'timestamp', 'participants', 'channel', 'direction', 'sender', 'durationMinutes', 'metadata', 'createdAt', 'updatedAt', 'deletedAt', 'syncVersion']) = '{}'::jsonb
            and i.change_rec -> 'id' = to_jsonb(i."id")
            and i.change_rec -> 'sourceName' = to_jsonb(i."sourceName")
            and i.change_rec -> 'sourceId' = to_jsonb(i."sourceId")
            and i.change_rec -> 'timestamp' = to_jsonb(wig.ts(i."timestamp"))
            and i.change_rec -> 'participants' = to_jsonb(i."participants")
            and i.change_rec -> 'channel' = to_jsonb(i."channel")
            and i.change_rec -> 'direction' = coalesce(to_jsonb(i."direction"), 'null')
            and i.change_rec -> 'sender' = coalesce(to_jsonb(i."sender"), 'null')
            and i.change_rec -> 'durationMinutes' = coalesce(to_jsonb(i."durationMinutes"), 'null')
            and i.change_rec -> 'createdAt' = to_jsonb(wig.ts(i."createdAt"))
            and i.change_rec -> 'updatedAt' = to_jsonb(wig.ts(i."updatedAt"))
            and i.change_rec -> 'deletedAt' = coalesce(to_jsonb(wig.ts(i."deletedAt")), 'null')
            and i."id" is not null
            and i."sourceName" is not null
            and i."sourceId" is not null
            and (i."timestamp" is not null and i."timestamp" >= '1000-01-01T00:00:00Z' and i."timestamp" < '10000-01-01T00:00:00Z')
            and (i."participants" is not null and cardinality(i."participants") <= 10000 and array_position(i."participants", null) is null and coalesce(array_ndims(i."participants"), 1) = 1)
            and (i."channel" is not null and i."channel" = any (array['email', 'message', 'meeting', 'call', 'other']))
            and (i."direction" is null or (i."direction" = any (array['one_way', 'two_way'])))
            and (i."createdAt" is not null and i."createdAt" >= '1000-01-01T00:00:00Z' and i."createdAt" < '10000-01-01T00:00:00Z')
            and (i."updatedAt" is not null and i."updatedAt" >= '1000-01-01T00:00:00Z' and i."updatedAt" < '10000-01-01T00:00:00Z')
            and (i."deletedAt" is null or (i."deletedAt" >= '1000-01-01T00:00:00Z' and i."deletedAt" < '10000-01-01T00:00:00Z')), false))
      and not exists (select 1 from merges_rows m where not coalesce(
            m.id = m.change_record_id
            and m.change_op <> 'delete'
            and (m.change_rec - array['id', 'seq', 'entityType', 'targetId', 'sourceIds', 'explanation', 'peopleBefore', 'peopleAfter', 'organizationsBefore', 'organizationsAfter', 'edgesBefore', 'edgesAfter', 'removedEdgeIds', 'createdAt', 'undoneAt', 'syncVersion']) = '{}'::jsonb
            and m.change_rec -> 'id' = to_jsonb(m."id")
            and m.change_rec -> 'seq' = to_jsonb(m."seq")
            and m.change_rec -> 'entityType' = to_jsonb(m."entityType")
            and m.change_rec -> 'targetId' = to_jsonb(m."targetId")
            and m.change_rec -> 'sourceIds' = to_jsonb(m."sourceIds")
            and m.change_rec -> 'removedEdgeIds' = to_jsonb(m."removedEdgeIds")
            and m.change_rec -> 'createdAt' = to_jsonb(wig.ts(m."createdAt"))
            and m.change_rec -> 'undoneAt' = coalesce(to_jsonb(wig.ts(m."undoneAt")), 'null')
            and m."id" is not null
            and (m."seq" is not null and m."seq" between 0 and 9007199254740991)
            and (m."entityType" is not null and m."entityType" = any (array['person', 'organization']))
            and m."targetId" is not null
            and (m."sourceIds" is not null and cardinality(m."sourceIds") <= 10000 and array_position(m."sourceIds", null) is null and coalesce(array_ndims(m."sourceIds"), 1) = 1)
            and (m."peopleBefore" is not null and jsonb_typeof(m."peopleBefore") = 'array' and jsonb_array_length(m."peopleBefore") <= 10000 and not jsonb_path_exists(m."peopleBefore", 'strict $[*] ? (@.type() != "object")'))
            and (m."peopleAfter" is not null and jsonb_typeof(m."peopleAfter") = 'array' and jsonb_array_length(m."peopleAfter") <= 10000 and not jsonb_path_exists(m."peopleAfter", 'strict $[*] ? (@.type() != "object")'))
            and (m."organizationsBefore" is not null and jsonb_typeof(m."organizationsBefore") = 'array' and jsonb_array_length(m."organizationsBefore") <= 10000 and not jsonb_path_exists(m."organizationsBefore", 'strict $[*] ? (@.type() != "object")'))
            and (m."organizationsAfter" is not null and jsonb_typeof(m."organizationsAfter") = 'array' and jsonb_array_length(m."organizationsAfter") <= 10000 and not jsonb_path_exists(m."organizationsAfter", 'strict $[*] ? (@.type() != "object")'))
            and (m."edgesBefore" is not null and jsonb_typeof(m."edgesBefore") = 'array' and jsonb_array_length(m."edgesBefore") <= 10000 and not jsonb_path_exists(m."edgesBefore", 'strict $[*] ? (@.type() != "object")'))
            and (m."edgesAfter" is not null and jsonb_typeof(m."edgesAfter") = 'array' and jsonb_array_length(m."edgesAfter") <= 10000 and not jsonb_path_exists(m."edgesAfter", 'strict $[*] ? (@.type() != "object")'))
            and (m."removedEdgeIds" is not null and cardinality(m."removedEdgeIds") <= 10000 and array_position(m."removedEdgeIds", null) is null and coalesce(array_ndims(m."removedEdgeIds"), 1) = 1)
            and (m."createdAt" is not null and m."createdAt" >= '1000-01-01T00:00:00Z' and m."createdAt" < '10000-01-01T00:00:00Z')
            and (m."undoneAt" is null or (m."undoneAt" >= '1000-01-01T00:00:00Z' and m."undoneAt" < '10000-01-01T00:00:00Z')), false))
      as yes
  ), go as (
    -- v_checked short-circuits: the two checks' sub-plans are then never run.
    -- (Not inside envelope_ok / records_ok: an OR there made the canonical
    -- push about 5x slower.)
    select (v_checked or ((select yes from envelope_ok) and (select yes from records_ok)))
           and (select yes from independent) as yes
  ), write_people as (
    insert into wig.people (owner_id, id, version, erased, names, emails, phones, social_handles, title, organization_id, addresses, birth_date, merge_explanation, previous_ids, merged_into, metadata, created_at, updated_at, deleted_at)
    select v_owner, x.id, x.new_version, false, x."names", x."emails", x."phones", x."socialHandles", x."title", x."organizationId", x."addresses", x."birthDate", x."mergeExplanation", x."previousIds", x."mergedInto", x."metadata", x."createdAt", x."updatedAt", x."deletedAt"
    from people_rows x where x.change_status = 'write' and (select yes from go)
    on conflict (owner_id, id) do update set version = excluded.version, erased = false, names = excluded.names, emails = excluded.emails, phones = excluded.phones, social_handles = excluded.social_handles, title = excluded.title, organization_id = excluded.organization_id, addresses = excluded.addresses, birth_date = excluded.birth_date, merge_explanation = excluded.merge_explanation, previous_ids = excluded.previous_ids, merged_into = excluded.merged_into, metadata = excluded.metadata, created_at = excluded.created_at, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at
  ), write_organizations as (
    insert into wig.organizations (owner_id, id, version, erased, name, domain, merge_explanation, previous_ids, merged_into, metadata, created_at, updated_at, deleted_at)
    select v_owner, x.id, x.new_version, false, x."name", x."domain", x."mergeExplanation", x."previousIds", x."mergedInto", x."metadata", x."createdAt", x."updatedAt", x."deletedAt"
    from organizations_rows x where x.change_status = 'write' and (select yes from go)
    on conflict (owner_id, id) do update set version = excluded.version, erased = false, name = excluded.name, domain = excluded.domain, merge_explanation = excluded.merge_explanation, previous_ids = excluded.previous_ids, merged_into = excluded.merged_into, metadata = excluded.metadata, created_at = excluded.created_at, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at
  ), write_edges as (
    insert into wig.edges (owner_id, id, version, erased, from_person_id, to_person_id, relationship_type, strength, strength_factors, sources, channels, first_seen_at, last_seen_at, interaction_count, metadata, created_at, updated_at, deleted_at)
    select v_owner, x.id, x.new_version, false, x."fromPersonId", x."toPersonId", x."relationshipType", x."strength", x."strengthFactors", x."sources", x."channels", x."firstSeenAt", x."lastSeenAt", x."interactionCount", x."metadata", x."createdAt", x."updatedAt", x."deletedAt"
    from edges_rows x where x.change_status = 'write' and (select yes from go)
    on conflict (owner_id, id) do update set version = excluded.version, erased = false, from_person_id = excluded.from_person_id, to_person_id = excluded.to_person_id, relationship_type = excluded.relationship_type, strength = excluded.strength, strength_factors = excluded.strength_factors, sources = excluded.sources, channels = excluded.channels, first_seen_at = excluded.first_seen_at, last_seen_at = excluded.last_seen_at, interaction_count = excluded.interaction_count, metadata = excluded.metadata, created_at = excluded.created_at, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at
  ), write_interactions as (
    insert into wig.interactions (owner_id, id, version, erased, source_name, source_id, "timestamp", participants, channel, direction, sender, duration_minutes, metadata, created_at, updated_at, deleted_at)
    select v_owner, x.id, x.new_version, false, x."sourceName", x."sourceId", x."timestamp", x."participants", x."channel", x."direction", x."sender", x."durationMinutes", x."metadata", x."createdAt", x."updatedAt", x."deletedAt"
    from interactions_rows x where x.change_status = 'write' and (select yes from go)
    on conflict (owner_id, id) do update set version = excluded.version, erased = false, source_name = excluded.source_name, source_id = excluded.source_id, "timestamp" = excluded."timestamp", participants = excluded.participants, channel = excluded.channel, direction = excluded.direction, sender = excluded.sender, duration_minutes = excluded.duration_minutes, metadata = excluded.metadata, created_at = excluded.created_at, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at
  ), write_merges as (
    insert into wig.merges (owner_id, id, version, erased, seq, entity_type, target_id, source_ids, explanation, people_before, people_after, organizations_before, organizations_after, edges_before, edges_after, removed_edge_ids, created_at, undone_at)
    select v_owner, x.id, x.new_version, false, x."seq", x."entityType", x."targetId", x."sourceIds", x."explanation", x."peopleBefore", x."peopleAfter", x."organizationsBefore", x."organizationsAfter", x."edgesBefore", x."edgesAfter", x."removedEdgeIds", x."createdAt", x."undoneAt"
    from merges_rows x where x.change_status = 'write' and (select yes from go)
    on conflict (owner_id, id) do update set version = excluded.version, erased = false, seq = excluded.seq, entity_type = excluded.entity_type, target_id = excluded.target_id, source_ids = excluded.source_ids, explanation = excluded.explanation, people_before = excluded.people_before, people_after = excluded.people_after, organizations_before = excluded.organizations_before, organizations_after = excluded.organizations_after, edges_before = excluded.edges_before, edges_after = excluded.edges_after, removed_edge_ids = excluded.removed_edge_ids, created_at = excluded.created_at, undone_at = excluded.undone_at
  ), write_applied as (
    insert into wig.applied_changes (owner_id, change_id, id, version)
    select v_owner, s.change_id, s.id, s.new_version from status s
    where s.status = 'write' and (select yes from go)
  )
  select (select yes from go),
         jsonb_build_object(
           'applied', coalesce((
             select jsonb_agg(jsonb_build_object('change_id', s.change_id, 'id', s.id,
                                                 'version', coalesce(s.done_version, s.new_version)) order by s.idx)
             from status s
             where s.status in ('done', 'write')), '[]'::jsonb),
           'conflicts', coalesce((
             select jsonb_agg(jsonb_build_object('change_id', s.change_id, 'kind', s.kind, 'id', s.id,
                                                 'reason', s.status,
                                                 'server', wig.server_row(s.kind, v_owner, s.other)) order by s.idx)
             from status s where s.status not in ('done', 'write')), '[]'::jsonb),
           'checkpoint', v_seq + (select count(*) from status where status = 'write'))
    into v_go, v_result;

  if not v_go then
    return null;
  end if;
  update wig.owners set last_seq = (v_result ->> 'checkpoint')::bigint where owner_id = v_owner;
  return v_result;
end
$$;

create or replace function api.wig_push(changes jsonb) returns jsonb
  language plpgsql volatile security invoker
  set jit = off
  set plan_cache_mode = force_custom_plan
  as $$
declare
  v_owner text := wig.require_owner();
  v_result jsonb;
begin
  -- Not an array, or too long: check_changes raises with the reason.
  if jsonb_typeof(changes) is distinct from 'array' or jsonb_array_length(changes) > 5000 then
    perform wig.check_changes(changes);
  end if;
  -- One writer per owner at a time: versions are handed out under this lock
  -- and committed in order, so a pull never sees version n+1 before n.
  insert into wig.owners (owner_id) values (v_owner) on conflict (owner_id) do nothing;
  perform 1 from wig.owners where owner_id = v_owner for update;
  -- The common case: canonical records, independent changes, one statement.
  begin
    v_result := wig.push_typed(changes, v_owner, false);
  exception when others then
    -- A value that does not cast (bad UUID, timestamp, number): nothing was
    -- written; the checked path below names the problem.
    v_result := null;
  end;
  if v_result is null then
    perform wig.check_changes(changes);
    -- Checked: the same one statement again, without the canonical-form checks.
    v_result := wig.push_typed(changes, v_owner, true);
    if v_result is null then
      v_result := wig.push_in_order(changes, v_owner);
    end if;
  end if;
  return v_result;
end
$$;

create or replace function api.wig_pull(since bigint default 0, "limit" int default 5000)
  returns api."application/vnd.wig.pull+json"
  language plpgsql stable security invoker
  set jit = off
  set plan_cache_mode = force_custom_plan
  as $$
declare
  v_owner text := wig.require_owner();
  v_since bigint := $1;
  v_limit int := $2;
  v_page api."application/vnd.wig.pull+json";
begin
  if v_since is null or v_since < 0 then
    raise exception using errcode = '22023', message = 'since: not a whole number >= 0',
      detail = 'since: not a whole number >= 0';
  end if;
  if v_limit is null or v_limit < 1 or v_limit > 10000 then
    raise exception using errcode = '22023', message = 'limit: must be between 1 and 10000',
      detail = 'limit: must be between 1 and 10000';
  end if;

  -- Each branch: the owner's rows after `since` from the (owner_id, version)
  -- index, at most v_limit of them, rendered outside the inner LIMIT; the five
  -- ordered branches are merged (Merge Append) and only rows that reach the page
  -- are pulled from them, so JSON is built for the page and at most one row
  -- ahead per table. (Selecting ids first and rendering through the primary
  -- key cost a quarter more: 5,000 extra index probes.)
  select json_build_object(
      'changes', coalesce(json_agg(p.change order by p.version), '[]'::json),
      'checkpoint', coalesce(max(p.version), v_since),
      'more', coalesce(max(p.version), v_since)
              < coalesce((select o.last_seq from wig.owners o where o.owner_id = v_owner), 0))
    into v_page
  from (
    (select x.version, json_build_object('kind', 'person', 'id', x.id, 'version', x.version, 'erased', x.erased,
              'record', case when x.erased then null else wig.person_record(x) end) as change
     from (select * from wig.people t where t.owner_id = v_owner and t.version > v_since
           order by t.version limit v_limit) x)
    union all
    (select x.version, json_build_object('kind', 'organization', 'id', x.id, 'version', x.version, 'erased', x.erased,
              'record', case when x.erased then null else wig.organization_record(x) end) as change
     from (select * from wig.organizations t where t.owner_id = v_owner and t.version > v_since
           order by t.version limit v_limit) x)
    union all
    (select x.version, json_build_object('kind', 'edge', 'id', x.id, 'version', x.version, 'erased', x.erased,
              'record', case when x.erased then null else wig.edge_record(x) end) as change
     from (select * from wig.edges t where t.owner_id = v_owner and t.version > v_since
           order by t.version limit v_limit) x)
    union all
    (select x.version, json_build_object('kind', 'interaction', 'id', x.id, 'version', x.version, 'erased', x.erased,
              'record', case when x.erased then null else wig.interaction_record(x) end) as change
     from (select * from wig.interactions t where t.owner_id = v_owner and t.version > v_since
           order by t.version limit v_limit) x)
    union all
    (select x.version, json_build_object('kind', 'merge', 'id', x.id, 'version', x.version, 'erased', x.erased,
              'record', case when x.erased then null else wig.merge_record(x) end) as change
     from (select * from wig.merges t where t.owner_id = v_owner and t.version > v_since
           order by t.version limit v_limit) x)
    order by version
    limit v_limit
  ) p;
  return v_page;
end
$$;

-- Only these two functions are reachable, and only with a valid token.
revoke all on function api.wig_push(jsonb) from public, web_anon;
revoke all on function api.wig_pull(bigint, int) from public, web_anon;
grant execute on function api.wig_push(jsonb) to authenticated;
grant execute on function api.wig_pull(bigint, int) to authenticated;
revoke all on all functions in schema wig from public, web_anon;
grant execute on all functions in schema wig to authenticated;
