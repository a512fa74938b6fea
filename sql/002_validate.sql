-- WIG sync server, part 2: input validation for wig_push.
-- A push is checked as a whole before anything is written; the first problem
-- is raised with SQLSTATE 22023 and a message naming the field
-- ("changes[3].record.emails: not an array"). Set-based: one query checks
-- every field of every change against wig.record_fields.

-- What each kind's record may hold. json_type: string | uuid | timestamp |
-- date | number | count | json | string_map | array; items (arrays): string |
-- uuid | object; allowed: the values of an enum (for strings and string items).
create table if not exists wig.record_fields (
  kind text not null,
  pos int not null,
  field text not null,
  json_type text not null,
  nullable boolean not null,
  items text,
  allowed text[],
  primary key (kind, field)
);
revoke all on wig.record_fields from public;
grant select on wig.record_fields to authenticated;

truncate wig.record_fields;
insert into wig.record_fields (kind, pos, field, json_type, nullable, items, allowed) values
  ('person', 1, 'id', 'uuid', false, null, null),
  ('person', 2, 'names', 'array', false, 'string', null),
  ('person', 3, 'emails', 'array', false, 'string', null),
  ('person', 4, 'phones', 'array', false, 'string', null),
  ('person', 5, 'socialHandles', 'string_map', false, null, null),
  ('person', 6, 'title', 'string', true, null, null),
  ('person', 7, 'organizationId', 'uuid', true, null, null),
  ('person', 8, 'addresses', 'array', false, 'string', null),
  ('person', 9, 'birthDate', 'date', true, null, null),
  ('person', 10, 'mergeExplanation', 'json', true, null, null),
  ('person', 11, 'previousIds', 'array', false, 'uuid', null),
  ('person', 12, 'mergedInto', 'uuid', true, null, null),
  ('person', 13, 'metadata', 'json', true, null, null),
  ('person', 14, 'createdAt', 'timestamp', false, null, null),
  ('person', 15, 'updatedAt', 'timestamp', false, null, null),
  ('person', 16, 'deletedAt', 'timestamp', true, null, null),

  ('organization', 1, 'id', 'uuid', false, null, null),
  ('organization', 2, 'name', 'string', false, null, null),
  ('organization', 3, 'domain', 'string', true, null, null),
  ('organization', 4, 'mergeExplanation', 'json', true, null, null),
  ('organization', 5, 'previousIds', 'array', false, 'uuid', null),
  ('organization', 6, 'mergedInto', 'uuid', true, null, null),
  ('organization', 7, 'metadata', 'json', true, null, null),
  ('organization', 8, 'createdAt', 'timestamp', false, null, null),
  ('organization', 9, 'updatedAt', 'timestamp', false, null, null),
  ('organization', 10, 'deletedAt', 'timestamp', true, null, null),

  ('edge', 1, 'id', 'uuid', false, null, null),
  ('edge', 2, 'fromPersonId', 'uuid', false, null, null),
  ('edge', 3, 'toPersonId', 'uuid', false, null, null),
  ('edge', 4, 'relationshipType', 'string', false, null,
     array['knows', 'connected_to', 'interacted_with', 'worked_at', 'advised', 'invested_in']),
  ('edge', 5, 'strength', 'number', false, null, null),
  ('edge', 6, 'strengthFactors', 'array', false, 'object', null),
  ('edge', 7, 'sources', 'array', false, 'string', null),
  ('edge', 8, 'channels', 'array', false, 'string', array['email', 'message', 'meeting', 'call', 'other']),
  ('edge', 9, 'firstSeenAt', 'timestamp', true, null, null),
  ('edge', 10, 'lastSeenAt', 'timestamp', true, null, null),
  ('edge', 11, 'interactionCount', 'count', false, null, null),
  ('edge', 12, 'metadata', 'json', true, null, null),
  ('edge', 13, 'createdAt', 'timestamp', false, null, null),
  ('edge', 14, 'updatedAt', 'timestamp', false, null, null),
  ('edge', 15, 'deletedAt', 'timestamp', true, null, null),

  ('interaction', 1, 'id', 'uuid', false, null, null),
  ('interaction', 2, 'sourceName', 'string', false, null, null),
  ('interaction', 3, 'sourceId', 'string', false, null, null),
  ('interaction', 4, 'timestamp', 'timestamp', false, null, null),
  ('interaction', 5, 'participants', 'array', false, 'string', null),
  ('interaction', 6, 'channel', 'string', false, null, array['email', 'message', 'meeting', 'call', 'other']),
  ('interaction', 7, 'direction', 'string', true, null, array['one_way', 'two_way']),
  ('interaction', 8, 'sender', 'string', true, null, null),
  ('interaction', 9, 'durationMinutes', 'number', true, null, null),
  ('interaction', 10, 'metadata', 'json', true, null, null),
  ('interaction', 11, 'createdAt', 'timestamp', false, null, null),
  ('interaction', 12, 'updatedAt', 'timestamp', false, null, null),
  ('interaction', 13, 'deletedAt', 'timestamp', true, null, null),

  ('merge', 1, 'id', 'uuid', false, null, null),
  ('merge', 2, 'seq', 'count', false, null, null),
  ('merge', 3, 'entityType', 'string', false, null, array['person', 'organization']),
  ('merge', 4, 'targetId', 'uuid', false, null, null),
  ('merge', 5, 'sourceIds', 'array', false, 'uuid', null),
  ('merge', 6, 'explanation', 'json', true, null, null),
  ('merge', 7, 'peopleBefore', 'array', false, 'object', null),
  ('merge', 8, 'peopleAfter', 'array', false, 'object', null),
  ('merge', 9, 'organizationsBefore', 'array', false, 'object', null),
  ('merge', 10, 'organizationsAfter', 'array', false, 'object', null),
  ('merge', 11, 'edgesBefore', 'array', false, 'object', null),
  ('merge', 12, 'edgesAfter', 'array', false, 'object', null),
  ('merge', 13, 'removedEdgeIds', 'array', false, 'uuid', null),
  ('merge', 14, 'createdAt', 'timestamp', false, null, null),
  ('merge', 15, 'undoneAt', 'timestamp', true, null, null);

-- Shape checks without regular expressions: PostgreSQL's regex engine costs
-- ~6 us a match here, and every change carries several ids and timestamps.
-- translate() deletes the allowed characters; what is left must be exactly the
-- separators, at their places.

-- 8-4-4-4-12 hex digits.
create or replace function wig.is_uuid(s text) returns boolean
  language sql immutable parallel safe
  as $$
    select length(s) = 36 and translate(s, '0123456789abcdefABCDEF', '') = '----'
       and substr(s, 9, 1) = '-' and substr(s, 14, 1) = '-' and substr(s, 19, 1) = '-'
       and substr(s, 24, 1) = '-'
  $$;

-- A calendar date YYYY-MM-DD that exists (no 02-30), years 1000..9999 as in
-- src/model/time.rs. Checked arithmetically: a failing cast would abort the
-- push without naming the field.
create or replace function wig.is_date(s text) returns boolean
  language sql immutable parallel safe
  as $$
    select length(s) = 10 and translate(s, '0123456789', '') = '--'
       and substr(s, 5, 1) = '-' and substr(s, 8, 1) = '-' and substr(s, 1, 1) <> '0'
       and substr(s, 6, 2) between '01' and '12' and substr(s, 9, 2) >= '01'
       and (substr(s, 9, 2) <= '28' or substr(s, 9, 2)::int <= extract(day from
             make_date(substr(s, 1, 4)::int, substr(s, 6, 2)::int, 1) + interval '1 month - 1 day'))
  $$;

-- RFC 3339 date-time as src/model/time.rs accepts it:
-- YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|±HH:MM).
create or replace function wig.is_time_of_day(s text) returns boolean
  language sql immutable parallel safe
  as $$
    select length(s) = 8 and translate(s, '0123456789', '') = '::'
       and substr(s, 3, 1) = ':' and substr(s, 6, 1) = ':'
       and substr(s, 1, 2) <= '23' and substr(s, 4, 2) <= '59' and substr(s, 7, 2) <= '59'
  $$;

create or replace function wig.is_fraction(s text) returns boolean
  language sql immutable parallel safe
  as $$
    select s = '' or (length(s) between 2 and 10 and left(s, 1) = '.'
                      and translate(substr(s, 2), '0123456789', '') = '')
  $$;

create or replace function wig.is_timestamp(s text) returns boolean
  language sql immutable parallel safe
  as $$
    select length(s) between 20 and 35
       and substr(s, 11, 1) in ('T', 't')
       and wig.is_date(substr(s, 1, 10))
       and wig.is_time_of_day(substr(s, 12, 8))
       and case
         when right(s, 1) in ('Z', 'z') then wig.is_fraction(substr(s, 20, length(s) - 20))
         else substr(s, length(s) - 5, 1) in ('+', '-')
              and length(s) >= 25
              and translate(right(s, 5), '0123456789', '') = ':' and substr(right(s, 5), 3, 1) = ':'
              and left(right(s, 5), 2) <= '23' and right(s, 2) <= '59'
              and wig.is_fraction(substr(s, 20, length(s) - 25))
       end
  $$;

-- Fast-path forms of is_timestamp and is_uuid, for check_changes only: the
-- cast throws on anything malformed, which sends the batch to the detailed
-- check; what the cast accepts must also render back to exactly the input, so
-- these are true only for strings the exact checks accept. ~1 us a value
-- against 2.6-3.6 us for the exact ones (translate() walks UTF-8 char by char).
-- The timestamp form is the one clients write: 2024-05-01T12:00:00.000Z.
create or replace function wig.is_client_timestamp(s text) returns boolean
  language sql stable parallel safe
  as $$
    select octet_length(s) = 24 and left(s, 1) <> '0'
       and to_char(s::timestamptz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') = s
  $$;

create or replace function wig.is_uuid_cast(s text) returns boolean
  language sql immutable parallel safe
  as $$ select s::uuid::text = lower(s) $$;

-- Why one value does not fit its field, or null when it does.
create or replace function wig.field_error(v jsonb, json_type text, nullable boolean,
                                           items text, allowed text[]) returns text
  language sql stable parallel safe
  as $$
    select case
      when v is null then case when nullable then null else 'required' end
      when jsonb_typeof(v) = 'null' then case when nullable then null else 'must not be null' end
      when json_type = 'json' then null
      when json_type in ('string', 'uuid', 'timestamp', 'date') and jsonb_typeof(v) <> 'string'
        then 'not a string'
      when json_type = 'string' and allowed is not null and not (v #>> '{}' = any (allowed))
        then format('%s is not one of %s', left(v::text, 60), array_to_string(allowed, ', '))
      when json_type = 'uuid' and not wig.is_uuid(v #>> '{}')
        then format('%s is not a UUID', left(v::text, 60))
      when json_type = 'timestamp' and not wig.is_timestamp(v #>> '{}')
        then format('%s is not an RFC 3339 timestamp such as 2024-05-01T12:00:00Z', left(v::text, 60))
      when json_type = 'date' and not wig.is_date(v #>> '{}')
        then format('%s is not a date YYYY-MM-DD', left(v::text, 60))
      when json_type in ('number', 'count') and jsonb_typeof(v) <> 'number' then 'not a number'
      when json_type = 'count' and not ((v::numeric) = trunc(v::numeric) and (v::numeric) between 0 and 9007199254740991)
        then format('%s is not a whole number >= 0', v::text)
      when json_type = 'string_map' and jsonb_typeof(v) <> 'object' then 'not an object'
      when json_type = 'string_map' then (
        select format('key %s: not a string', to_jsonb(e.key)::text)
        from jsonb_each(v) e where jsonb_typeof(e.value) <> 'string' limit 1)
      when json_type = 'array' and jsonb_typeof(v) <> 'array' then 'not an array'
      when json_type = 'array' and jsonb_array_length(v) > 10000
        then format('%s items (at most 10000)', jsonb_array_length(v))
      when json_type = 'array' then (
        select format('[%s]: %s', a.i - 1, case
          when items = 'object' then 'not an object'
          when jsonb_typeof(a.x) <> 'string' then 'not a string'
          when items = 'uuid' then format('%s is not a UUID', left(a.x::text, 60))
          else format('%s is not one of %s', left(a.x::text, 60), array_to_string(allowed, ', ')) end)
        from jsonb_array_elements(v) with ordinality a(x, i)
        where case
          when items = 'object' then jsonb_typeof(a.x) <> 'object'
          when jsonb_typeof(a.x) <> 'string' then true
          when items = 'uuid' then not wig.is_uuid(a.x #>> '{}')
          when allowed is not null then not (a.x #>> '{}' = any (allowed))
          else false end
        order by a.i limit 1)
      else null
    end
  $$;

-- The same test as a predicate, without sub-selects so that the planner
-- inlines it: every field of every change passes through here, and only a
-- failing one goes through field_error for its message.
-- t: the value's text when it is a JSON string (extracted once by the caller;
-- the inlined body refers to it many times).
drop function if exists wig.field_ok(jsonb, text, boolean, text, text[]);
create or replace function wig.field_ok(v jsonb, t text, json_type text, nullable boolean,
                                        items text, allowed text[]) returns boolean
  language sql stable parallel safe
  as $$
    select case
      when v is null or jsonb_typeof(v) = 'null' then nullable
      when json_type = 'json' then true
      when json_type = 'string'
        then jsonb_typeof(v) = 'string' and (allowed is null or t = any (allowed))
      when json_type = 'uuid' then jsonb_typeof(v) = 'string' and wig.is_uuid(t)
      when json_type = 'timestamp' then jsonb_typeof(v) = 'string' and wig.is_timestamp(t)
      when json_type = 'date' then jsonb_typeof(v) = 'string' and wig.is_date(t)
      when json_type = 'number' then jsonb_typeof(v) = 'number'
      when json_type = 'count' then jsonb_typeof(v) = 'number'
        and (v::numeric) = trunc(v::numeric) and (v::numeric) between 0 and 9007199254740991
      when json_type = 'string_map' then jsonb_typeof(v) = 'object'
        and not jsonb_path_exists(v, 'strict $.* ? (@.type() != "string")')
      when json_type = 'array' then jsonb_typeof(v) = 'array' and jsonb_array_length(v) <= 10000
        and case items
          when 'object' then not jsonb_path_exists(v, 'strict $[*] ? (@.type() != "object")')
          when 'uuid' then not jsonb_path_exists(v, 'strict $[*] ? (@.type() != "string" || !(@ like_regex "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"))')
          else not jsonb_path_exists(v, 'strict $[*] ? (@.type() != "string")')
               and (allowed is null or v <@ to_jsonb(allowed))
        end
      else false
    end
  $$;

-- Size limits anywhere inside a record (metadata is free-form JSON): no array
-- over 10,000 items, no string over 100,000 characters, no record over 1 MB of
-- JSON text. Only records whose text is long enough to break a limit are walked.
create or replace function wig.size_error(r jsonb) returns text
  language sql stable parallel safe
  as $$
    with t as (select length(r::text) as n)
    select case
      when t.n <= 20000 then null
      else coalesce((select case when jsonb_typeof(x) = 'array'
                        then format('contains an array of %s items (at most 10000)', jsonb_array_length(x))
                        else format('contains a string of %s characters (at most 100000)', length(x #>> '{}')) end
            from jsonb_path_query(r, 'strict $.**') x
            where (jsonb_typeof(x) = 'array' and jsonb_array_length(x) > 10000)
               or (jsonb_typeof(x) = 'string' and length(x #>> '{}') > 100000)
            limit 1),
          case when t.n > 1000000 then format('%s characters of JSON (at most 1000000)', t.n) end)
    end
    from t
  $$;

-- Raises 22023 naming the first bad field of the first bad change, or returns.
create or replace function wig.check_changes(changes jsonb) returns void
  language plpgsql stable
  -- JIT compiling this query costs more than running it.
  set jit = off
  set plan_cache_mode = force_custom_plan
  as $$
declare
  v_problem text;
  v_fast_ok boolean;
begin
  if changes is null or jsonb_typeof(changes) <> 'array' then
    raise exception using errcode = '22023', message = 'changes: not an array',
      detail = 'changes: not an array';
  end if;
  if jsonb_array_length(changes) > 5000 then
    v_problem := format('changes: %s changes (at most 5000 per push)', jsonb_array_length(changes));
    raise exception using errcode = '22023', message = v_problem, detail = v_problem;
  end if;

  -- Fast path: one pass, one boolean per change, each record's fields pulled out
  -- once (jsonb_to_record), no per-field rows. Accepts only what the detailed
  -- query below accepts; anything else (including records over 40 kB, whose
  -- nested sizes need walking, timestamps in another form than the clients',
  -- and casts that throw) goes to that query for its message.
  begin
  -- (coalesce: a missing field makes its test null, and bool_and skips nulls.)
  select coalesce(bool_and(coalesce(
      jsonb_typeof(c.ch) = 'object'
      and jsonb_typeof(c.ch -> 'change_id') = 'string' and wig.is_uuid_cast(c.ch ->> 'change_id')
      and jsonb_typeof(c.ch -> 'kind') = 'string'
      and jsonb_typeof(c.ch -> 'id') = 'string' and wig.is_uuid_cast(c.ch ->> 'id')
      and jsonb_typeof(c.ch -> 'op') = 'string' and c.ch ->> 'op' in ('upsert', 'delete', 'erase')
      and jsonb_typeof(c.ch -> 'base_version') = 'number'
      and (c.ch -> 'base_version')::numeric = trunc((c.ch -> 'base_version')::numeric)
      and (c.ch -> 'base_version')::numeric between 0 and 9007199254740991
      and (c.ch - array['change_id', 'kind', 'id', 'op', 'base_version', 'record']) = '{}'::jsonb
      and case
        when c.ch ->> 'op' = 'erase' then coalesce(jsonb_typeof(c.rec), 'null') = 'null'
             and c.kind in ('person', 'organization', 'edge', 'interaction', 'merge')
        when jsonb_typeof(c.rec) <> 'object' or pg_column_size(c.rec) > 40000 then false
        when c.ch ->> 'op' = 'delete' and jsonb_typeof(c.rec -> 'deletedAt') is distinct from 'string' then false
        when not (jsonb_typeof(c.rec -> 'id') = 'string' and wig.is_uuid_cast(c.rec ->> 'id')) then false
        when (c.rec ->> 'id')::uuid <> (c.ch ->> 'id')::uuid then false
        else case c.kind
          when 'person' then (c.rec - array['id', 'names', 'emails', 'phones', 'socialHandles', 'title', 'organizationId', 'addresses', 'birthDate', 'mergeExplanation', 'previousIds', 'mergedInto', 'metadata', 'createdAt', 'updatedAt', 'deletedAt', 'syncVersion']) = '{}'::jsonb
            and (jsonb_typeof(p."id") = 'string' and wig.is_uuid_cast((p."id" #>> '{}')))
            and (jsonb_typeof(p."names") = 'array' and jsonb_array_length(p."names") <= 10000 and not jsonb_path_exists(p."names", 'strict $[*] ? (@.type() != "string")'))
            and (jsonb_typeof(p."emails") = 'array' and jsonb_array_length(p."emails") <= 10000 and not jsonb_path_exists(p."emails", 'strict $[*] ? (@.type() != "string")'))
            and (jsonb_typeof(p."phones") = 'array' and jsonb_array_length(p."phones") <= 10000 and not jsonb_path_exists(p."phones", 'strict $[*] ? (@.type() != "string")'))
            and (jsonb_typeof(p."socialHandles") = 'object' and not jsonb_path_exists(p."socialHandles", 'strict $.* ? (@.type() != "string")'))
            and (coalesce(jsonb_typeof(p."title"), 'null') = 'null' or (jsonb_typeof(p."title") = 'string'))
            and (coalesce(jsonb_typeof(p."organizationId"), 'null') = 'null' or (jsonb_typeof(p."organizationId") = 'string' and wig.is_uuid_cast((p."organizationId" #>> '{}'))))
            and (jsonb_typeof(p."addresses") = 'array' and jsonb_array_length(p."addresses") <= 10000 and not jsonb_path_exists(p."addresses", 'strict $[*] ? (@.type() != "string")'))
            and (coalesce(jsonb_typeof(p."birthDate"), 'null') = 'null' or (jsonb_typeof(p."birthDate") = 'string' and wig.is_date((p."birthDate" #>> '{}'))))
            and (jsonb_typeof(p."previousIds") = 'array' and jsonb_array_length(p."previousIds") <= 10000 and not jsonb_path_exists(p."previousIds", 'strict $[*] ? (@.type() != "string" || !(@ like_regex "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"))'))
            and (coalesce(jsonb_typeof(p."mergedInto"), 'null') = 'null' or (jsonb_typeof(p."mergedInto") = 'string' and wig.is_uuid_cast((p."mergedInto" #>> '{}'))))
            and (jsonb_typeof(p."createdAt") = 'string' and wig.is_client_timestamp((p."createdAt" #>> '{}')))
            and (jsonb_typeof(p."updatedAt") = 'string' and wig.is_client_timestamp((p."updatedAt" #>> '{}')))
            and (coalesce(jsonb_typeof(p."deletedAt"), 'null') = 'null' or (jsonb_typeof(p."deletedAt") = 'string' and wig.is_client_timestamp((p."deletedAt" #>> '{}'))))
          when 'organization' then (c.rec - array['id', 'name', 'domain', 'mergeExplanation', 'previousIds', 'mergedInto', 'metadata', 'createdAt', 'updatedAt', 'deletedAt', 'syncVersion']) = '{}'::jsonb
            and (jsonb_typeof(o."id") = 'string' and wig.is_uuid_cast((o."id" #>> '{}')))
            and (jsonb_typeof(o."name") = 'string')
            and (coalesce(jsonb_typeof(o."domain"), 'null') = 'null' or (jsonb_typeof(o."domain") = 'string'))
            and (jsonb_typeof(o."previousIds") = 'array' and jsonb_array_length(o."previousIds") <= 10000 and not jsonb_path_exists(o."previousIds", 'strict $[*] ? (@.type() != "string" || !(@ like_regex "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"))'))
            and (coalesce(jsonb_typeof(o."mergedInto"), 'null') = 'null' or (jsonb_typeof(o."mergedInto") = 'string' and wig.is_uuid_cast((o."mergedInto" #>> '{}'))))
            and (jsonb_typeof(o."createdAt") = 'string' and wig.is_client_timestamp((o."createdAt" #>> '{}')))
            and (jsonb_typeof(o."updatedAt") = 'string' and wig.is_client_timestamp((o."updatedAt" #>> '{}')))
            and (coalesce(jsonb_typeof(o."deletedAt"), 'null') = 'null' or (jsonb_typeof(o."deletedAt") = 'string' and wig.is_client_timestamp((o."deletedAt" #>> '{}'))))
          when 'edge' then (c.rec - array['id', 'fromPersonId', 'toPersonId', 'relationshipType', 'strength', 'strengthFactors', 'sources', 'channels', 'firstSeenAt', 'lastSeenAt', 'interactionCount', 'metadata', 'createdAt', 'updatedAt', 'deletedAt', 'syncVersion']) = '{}'::jsonb
            and (jsonb_typeof(e."id") = 'string' and wig.is_uuid_cast((e."id" #>> '{}')))
            and (jsonb_typeof(e."fromPersonId") = 'string' and wig.is_uuid_cast((e."fromPersonId" #>> '{}')))
            and (jsonb_typeof(e."toPersonId") = 'string' and wig.is_uuid_cast((e."toPersonId" #>> '{}')))
            and (jsonb_typeof(e."relationshipType") = 'string' and (e."relationshipType" #>> '{}') = any (array['knows', 'connected_to', 'interacted_with', 'worked_at', 'advised', 'invested_in']))
            and (jsonb_typeof(e."strength") = 'number')
            and (jsonb_typeof(e."strengthFactors") = 'array' and jsonb_array_length(e."strengthFactors") <= 10000 and not jsonb_path_exists(e."strengthFactors", 'strict $[*] ? (@.type() != "object")'))
            and (jsonb_typeof(e."sources") = 'array' and jsonb_array_length(e."sources") <= 10000 and not jsonb_path_exists(e."sources", 'strict $[*] ? (@.type() != "string")'))
            and (jsonb_typeof(e."channels") = 'array' and jsonb_array_length(e."channels") <= 10000 and not jsonb_path_exists(e."channels", 'strict $[*] ? (@.type() != "string")') and e."channels" <@ to_jsonb(array['email', 'message', 'meeting', 'call', 'other']))
            and (coalesce(jsonb_typeof(e."firstSeenAt"), 'null') = 'null' or (jsonb_typeof(e."firstSeenAt") = 'string' and wig.is_client_timestamp((e."firstSeenAt" #>> '{}'))))
            and (coalesce(jsonb_typeof(e."lastSeenAt"), 'null') = 'null' or (jsonb_typeof(e."lastSeenAt") = 'string' and wig.is_client_timestamp((e."lastSeenAt" #>> '{}'))))
            and (jsonb_typeof(e."interactionCount") = 'number' and (e."interactionCount")::numeric = trunc((e."interactionCount")::numeric) and (e."interactionCount")::numeric between 0 and 9007199254740991)
            and (jsonb_typeof(e."createdAt") = 'string' and wig.is_client_timestamp((e."createdAt" #>> '{}')))
            and (jsonb_typeof(e."updatedAt") = 'string' and wig.is_client_timestamp((e."updatedAt" #>> '{}')))
            and (coalesce(jsonb_typeof(e."deletedAt"), 'null') = 'null' or (jsonb_typeof(e."deletedAt") = 'string' and wig.is_client_timestamp((e."deletedAt" #>> '{}'))))
          when 'interaction' then (c.rec - array['id', 'sourceName', 'sourceId', 'timestamp', 'participants', 'channel', 'direction', 'sender', 'durationMinutes', 'metadata', 'createdAt', 'updatedAt', 'deletedAt', 'syncVersion']) = '{}'::jsonb
            and (jsonb_typeof(i."id") = 'string' and wig.is_uuid_cast((i."id" #>> '{}')))
            and (jsonb_typeof(i."sourceName") = 'string')
            and (jsonb_typeof(i."sourceId") = 'string')
            and (jsonb_typeof(i."timestamp") = 'string' and wig.is_client_timestamp((i."timestamp" #>> '{}')))
            and (jsonb_typeof(i."participants") = 'array' and jsonb_array_length(i."participants") <= 10000 and not jsonb_path_exists(i."participants", 'strict $[*] ? (@.type() != "string")'))
            and (jsonb_typeof(i."channel") = 'string' and (i."channel" #>> '{}') = any (array['email', 'message', 'meeting', 'call', 'other']))
            and (coalesce(jsonb_typeof(i."direction"), 'null') = 'null' or (jsonb_typeof(i."direction") = 'string' and (i."direction" #>> '{}') = any (array['one_way', 'two_way'])))
            and (coalesce(jsonb_typeof(i."sender"), 'null') = 'null' or (jsonb_typeof(i."sender") = 'string'))
            and (coalesce(jsonb_typeof(i."durationMinutes"), 'null') = 'null' or (jsonb_typeof(i."durationMinutes") = 'number'))
            and (jsonb_typeof(i."createdAt") = 'string' and wig.is_client_timestamp((i."createdAt" #>> '{}')))
            and (jsonb_typeof(i."updatedAt") = 'string' and wig.is_client_timestamp((i."updatedAt" #>> '{}')))
            and (coalesce(jsonb_typeof(i."deletedAt"), 'null') = 'null' or (jsonb_typeof(i."deletedAt") = 'string' and wig.is_client_timestamp((i."deletedAt" #>> '{}'))))
          when 'merge' then (c.rec - array['id', 'seq', 'entityType', 'targetId', 'sourceIds', 'explanation', 'peopleBefore', 'peopleAfter', 'organizationsBefore', 'organizationsAfter', 'edgesBefore', 'edgesAfter', 'removedEdgeIds', 'createdAt', 'undoneAt', 'syncVersion']) = '{}'::jsonb
            and (jsonb_typeof(m."id") = 'string' and wig.is_uuid_cast((m."id" #>> '{}')))
            and (jsonb_typeof(m."seq") = 'number' and (m."seq")::numeric = trunc((m."seq")::numeric) and (m."seq")::numeric between 0 and 9007199254740991)
            and (jsonb_typeof(m."entityType") = 'string' and (m."entityType" #>> '{}') = any (array['person', 'organization']))
            and (jsonb_typeof(m."targetId") = 'string' and wig.is_uuid_cast((m."targetId" #>> '{}')))
            and (jsonb_typeof(m."sourceIds") = 'array' and jsonb_array_length(m."sourceIds") <= 10000 and not jsonb_path_exists(m."sourceIds", 'strict $[*] ? (@.type() != "string" || !(@ like_regex "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"))'))
            and (jsonb_typeof(m."peopleBefore") = 'array' and jsonb_array_length(m."peopleBefore") <= 10000 and not jsonb_path_exists(m."peopleBefore", 'strict $[*] ? (@.type() != "object")'))
            and (jsonb_typeof(m."peopleAfter") = 'array' and jsonb_array_length(m."peopleAfter") <= 10000 and not jsonb_path_exists(m."peopleAfter", 'strict $[*] ? (@.type() != "object")'))
            and (jsonb_typeof(m."organizationsBefore") = 'array' and jsonb_array_length(m."organizationsBefore") <= 10000 and not jsonb_path_exists(m."organizationsBefore", 'strict $[*] ? (@.type() != "object")'))
            and (jsonb_typeof(m."organizationsAfter") = 'array' and jsonb_array_length(m."organizationsAfter") <= 10000 and not jsonb_path_exists(m."organizationsAfter", 'strict $[*] ? (@.type() != "object")'))
            and (jsonb_typeof(m."edgesBefore") = 'array' and jsonb_array_length(m."edgesBefore") <= 10000 and not jsonb_path_exists(m."edgesBefore", 'strict $[*] ? (@.type() != "object")'))
            and (jsonb_typeof(m."edgesAfter") = 'array' and jsonb_array_length(m."edgesAfter") <= 10000 and not jsonb_path_exists(m."edgesAfter", 'strict $[*] ? (@.type() != "object")'))
            and (jsonb_typeof(m."removedEdgeIds") = 'array' and jsonb_array_length(m."removedEdgeIds") <= 10000 and not jsonb_path_exists(m."removedEdgeIds", 'strict $[*] ? (@.type() != "string" || !(@ like_regex "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"))'))
            and (jsonb_typeof(m."createdAt") = 'string' and wig.is_client_timestamp((m."createdAt" #>> '{}')))
            and (coalesce(jsonb_typeof(m."undoneAt"), 'null') = 'null' or (jsonb_typeof(m."undoneAt") = 'string' and wig.is_client_timestamp((m."undoneAt" #>> '{}'))))
          else false
        end
      end, false)), true)
    into v_fast_ok
  from (select t.ch, t.ch ->> 'kind' as kind, t.ch -> 'record' as rec
        from jsonb_array_elements(changes) t(ch)) c
    left join lateral jsonb_to_record(case when c.kind = 'person' and jsonb_typeof(c.rec) = 'object' then c.rec end) as p("id" jsonb, "names" jsonb, "emails" jsonb, "phones" jsonb, "socialHandles" jsonb, "title" jsonb, "organizationId" jsonb, "addresses" jsonb, "birthDate" jsonb, "mergeExplanation" jsonb, "previousIds" jsonb, "mergedInto" jsonb, "metadata" jsonb, "createdAt" jsonb, "updatedAt" jsonb, "deletedAt" jsonb) on true
    left join lateral jsonb_to_record(case when c.kind = 'organization' and jsonb_typeof(c.rec) = 'object' then c.rec end) as o("id" jsonb, "name" jsonb, "domain" jsonb, "mergeExplanation" jsonb, "previousIds" jsonb, "mergedInto" jsonb, "metadata" jsonb, "createdAt" jsonb, "updatedAt" jsonb, "deletedAt" jsonb) on true
    left join lateral jsonb_to_record(case when c.kind = 'edge' and jsonb_typeof(c.rec) = 'object' then c.rec end) as e("id" jsonb, "fromPersonId" jsonb, "toPersonId" jsonb, "relationshipType" jsonb, "strength" jsonb, "strengthFactors" jsonb, "sources" jsonb, "channels" jsonb, "firstSeenAt" jsonb, "lastSeenAt" jsonb, "interactionCount" jsonb, "metadata" jsonb, "createdAt" jsonb, "updatedAt" jsonb, "deletedAt" jsonb) on true
    left join lateral jsonb_to_record(case when c.kind = 'interaction' and jsonb_typeof(c.rec) = 'object' then c.rec end) as i("id" jsonb, "sourceName" jsonb, "sourceId" jsonb, "timestamp" jsonb, "participants" jsonb, "channel" jsonb, "direction" jsonb, "sender" jsonb, "durationMinutes" jsonb, "metadata" jsonb, "createdAt" jsonb, "updatedAt" jsonb, "deletedAt" jsonb) on true
    left join lateral jsonb_to_record(case when c.kind = 'merge' and jsonb_typeof(c.rec) = 'object' then c.rec end) as m("id" jsonb, "seq" jsonb, "entityType" jsonb, "targetId" jsonb, "sourceIds" jsonb, "explanation" jsonb, "peopleBefore" jsonb, "peopleAfter" jsonb, "organizationsBefore" jsonb, "organizationsAfter" jsonb, "edgesBefore" jsonb, "edgesAfter" jsonb, "removedEdgeIds" jsonb, "createdAt" jsonb, "undoneAt" jsonb) on true;
  exception when others then
    v_fast_ok := false;
  end;
  if v_fast_ok then
    return;
  end if;

  -- Detailed: the first problem, named.
  with kinds as (
    select kind, array_agg(field) || array['syncVersion'] as keys from wig.record_fields group by kind
  ), c as materialized (
    -- Materialized (here and below) so that each extraction happens once:
    -- inlined expressions would repeat `ch -> 'record' -> field` at every use.
    select (i - 1)::int as idx, ch, k.keys, ch ->> 'change_id' as cid, ch ->> 'id' as rid,
           ch -> 'record' ->> 'id' as record_id
    from jsonb_array_elements(changes) with ordinality t(ch, i)
    left join kinds k on k.kind = t.ch ->> 'kind'
  ), envelope as (
    select idx, 0 as pos, 'changes[' || idx || ']' || case
      when jsonb_typeof(ch) <> 'object' then ': not an object'
      when ch -> 'change_id' is null then '.change_id: required'
      when jsonb_typeof(ch -> 'change_id') <> 'string' or not wig.is_uuid(cid)
        then '.change_id: not a UUID'
      when ch -> 'kind' is null then '.kind: required'
      when keys is null
        then format('.kind: %s is not one of person, organization, edge, interaction, merge',
                    left((ch -> 'kind')::text, 60))
      when ch -> 'id' is null then '.id: required'
      when jsonb_typeof(ch -> 'id') <> 'string' or not wig.is_uuid(rid) then '.id: not a UUID'
      when ch -> 'op' is null then '.op: required'
      when jsonb_typeof(ch -> 'op') <> 'string' or ch ->> 'op' not in ('upsert', 'delete', 'erase')
        then format('.op: %s is not one of upsert, delete, erase', left((ch -> 'op')::text, 60))
      when ch -> 'base_version' is null then '.base_version: required'
      when jsonb_typeof(ch -> 'base_version') <> 'number'
           or (ch -> 'base_version')::numeric <> trunc((ch -> 'base_version')::numeric)
           or (ch -> 'base_version')::numeric not between 0 and 9007199254740991
        then '.base_version: not a whole number >= 0'
      when (ch - array['change_id', 'kind', 'id', 'op', 'base_version', 'record']) <> '{}'::jsonb
        then format('.%s: unknown field', (select k from jsonb_object_keys(
               ch - array['change_id', 'kind', 'id', 'op', 'base_version', 'record']) k order by k limit 1))
      when ch ->> 'op' = 'erase' then case
        when ch -> 'record' is not null and jsonb_typeof(ch -> 'record') <> 'null'
          then '.record: must be null for erase' end
      when ch -> 'record' is null or jsonb_typeof(ch -> 'record') <> 'object'
        then '.record: not an object'
      when jsonb_typeof(ch -> 'record' -> 'id') = 'string'
           and wig.is_uuid(record_id) and record_id::uuid <> rid::uuid
        then '.record.id: differs from the change''s id'
      when ch ->> 'op' = 'delete' and jsonb_typeof(ch -> 'record' -> 'deletedAt') is distinct from 'string'
        then '.record.deletedAt: required for op delete'
      when pg_column_size(ch -> 'record') > 40000
        then (select '.record: ' || e from wig.size_error(ch -> 'record') e)
    end as problem
    from c
  ), rec as materialized (
    select idx, ch ->> 'kind' as kind, ch -> 'record' as r, keys from c
    where keys is not null and jsonb_typeof(ch -> 'record') = 'object'
  ), field_values as materialized (
    select x.*, case when jsonb_typeof(x.v) = 'string' then x.v #>> '{}' end as t
    from (select rec.idx, f.pos, f.field, rec.r -> f.field as v, f.json_type, f.nullable, f.items, f.allowed
          from rec join wig.record_fields f on f.kind = rec.kind) x
  ), first_bad_field as (
    select * from field_values
    where not wig.field_ok(v, t, json_type, nullable, items, allowed)
    order by idx, pos
    limit 1
  ), fields as (
    select idx, pos, format('changes[%s].record.%s: %s', idx, field,
                            coalesce(wig.field_error(v, json_type, nullable, items, allowed), 'invalid'))
    from first_bad_field
  ), unknown as (
    select idx, 1000 as pos, format('changes[%s].record.%s: unknown field', idx,
             (select k from jsonb_object_keys(r - keys) k order by k limit 1))
    from rec
    where (r - keys) <> '{}'::jsonb
  )
  select p.problem into v_problem
  from (select * from envelope where problem is not null
        union all select * from fields
        union all select * from unknown) p
  order by p.idx, p.pos
  limit 1;

  if v_problem is not null then
    raise exception using errcode = '22023', message = v_problem, detail = v_problem;
  end if;
end
$$;
