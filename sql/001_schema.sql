-- WIG sync server, part 1: roles, schemas, tables, indexes, row-level security.
-- Re-runnable: every statement is "if not exists" / "or replace" / guarded.
-- Contract: sql/PROTOCOL.md. Tables mirror src/model (typed columns), keyed
-- (owner_id, id): ids are made by clients, so the same id under two owners is
-- two unrelated rows and no owner can reach another's row by naming its id.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'web_anon') then
    create role web_anon nologin;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
end $$;
grant web_anon to authenticator;
grant authenticated to authenticator;

create schema if not exists wig;
create schema if not exists api;
revoke all on schema wig from public;
revoke all on schema api from public;
grant usage on schema api to web_anon, authenticated;
-- The api functions run as the caller (SECURITY INVOKER), so the caller needs
-- the tables; row-level security below limits it to its own rows.
grant usage on schema wig to authenticated;

create table if not exists wig.migrations (
  name text primary key,
  checksum text not null,
  applied_at timestamptz not null default now()
);
revoke all on wig.migrations from public;

-- The owner, as the gateway hands it over: the JWT's `sub`. Inlinable SQL so
-- that "owner_id = wig.current_owner()" is an index condition.
create or replace function wig.current_owner() returns text
  language sql stable
  as $$ select nullif(current_setting('request.jwt.claims', true), '')::json ->> 'sub' $$;

create table if not exists wig.owners (
  owner_id text primary key,
  last_seq bigint not null default 0
);

create table if not exists wig.applied_changes (
  owner_id text not null,
  change_id uuid not null,
  id uuid not null,
  version bigint not null,
  primary key (owner_id, change_id)
);

create table if not exists wig.people (
  owner_id text not null,
  id uuid not null,
  version bigint not null,
  erased boolean not null default false,
  names text[],
  emails text[],
  phones text[],
  social_handles jsonb,
  title text,
  organization_id uuid,
  addresses text[],
  birth_date date,
  merge_explanation jsonb,
  previous_ids uuid[],
  merged_into uuid,
  metadata jsonb,
  created_at timestamptz,
  updated_at timestamptz,
  deleted_at timestamptz,
  primary key (owner_id, id),
  -- A live row has every non-optional field; a tombstone (erased) has none.
  constraint people_complete check (erased or (names is not null and emails is not null
    and phones is not null and social_handles is not null and addresses is not null
    and previous_ids is not null and created_at is not null and updated_at is not null))
);

create table if not exists wig.organizations (
  owner_id text not null,
  id uuid not null,
  version bigint not null,
  erased boolean not null default false,
  name text,
  domain text,
  merge_explanation jsonb,
  previous_ids uuid[],
  merged_into uuid,
  metadata jsonb,
  created_at timestamptz,
  updated_at timestamptz,
  deleted_at timestamptz,
  primary key (owner_id, id),
  constraint organizations_complete check (erased or (name is not null
    and previous_ids is not null and created_at is not null and updated_at is not null))
);

create table if not exists wig.edges (
  owner_id text not null,
  id uuid not null,
  version bigint not null,
  erased boolean not null default false,
  from_person_id uuid,
  to_person_id uuid,
  relationship_type text,
  strength double precision,
  strength_factors jsonb,
  sources text[],
  channels text[],
  first_seen_at timestamptz,
  last_seen_at timestamptz,
  interaction_count bigint,
  metadata jsonb,
  created_at timestamptz,
  updated_at timestamptz,
  deleted_at timestamptz,
  primary key (owner_id, id),
  constraint edges_complete check (erased or (from_person_id is not null and to_person_id is not null
    and relationship_type is not null and strength is not null and strength_factors is not null
    and sources is not null and channels is not null and interaction_count is not null
    and created_at is not null and updated_at is not null))
);

create table if not exists wig.interactions (
  owner_id text not null,
  id uuid not null,
  version bigint not null,
  erased boolean not null default false,
  source_name text,
  source_id text,
  "timestamp" timestamptz,
  participants text[],
  channel text,
  direction text,
  sender text,
  duration_minutes double precision,
  metadata jsonb,
  created_at timestamptz,
  updated_at timestamptz,
  deleted_at timestamptz,
  primary key (owner_id, id),
  constraint interactions_complete check (erased or (source_name is not null and source_id is not null
    and "timestamp" is not null and participants is not null and channel is not null
    and created_at is not null and updated_at is not null))
);

create table if not exists wig.merges (
  owner_id text not null,
  id uuid not null,
  version bigint not null,
  erased boolean not null default false,
  seq bigint,
  entity_type text,
  target_id uuid,
  source_ids uuid[],
  explanation jsonb,
  people_before jsonb,
  people_after jsonb,
  organizations_before jsonb,
  organizations_after jsonb,
  edges_before jsonb,
  edges_after jsonb,
  removed_edge_ids uuid[],
  created_at timestamptz,
  undone_at timestamptz,
  primary key (owner_id, id),
  constraint merges_complete check (erased or (seq is not null and entity_type is not null
    and target_id is not null and source_ids is not null and people_before is not null
    and people_after is not null and organizations_before is not null
    and organizations_after is not null and edges_before is not null and edges_after is not null
    and removed_edge_ids is not null and created_at is not null))
);

-- The model's unique constraints. One live edge per unordered pair per owner.
create unique index if not exists edges_live_pair on wig.edges
  (owner_id, least(from_person_id, to_person_id), greatest(from_person_id, to_person_id))
  where not erased and deleted_at is null;
-- One interaction per source record per owner (tombstones have null columns,
-- and nulls never collide).
create unique index if not exists interactions_source on wig.interactions
  (owner_id, source_name, source_id);

-- Pull reads each table in version order: (owner_id, version) per table.
create index if not exists people_version on wig.people (owner_id, version);
create index if not exists organizations_version on wig.organizations (owner_id, version);
create index if not exists edges_version on wig.edges (owner_id, version);
create index if not exists interactions_version on wig.interactions (owner_id, version);
create index if not exists merges_version on wig.merges (owner_id, version);

-- Row-level security: a caller sees and writes only rows whose owner_id is its
-- JWT `sub`. No row is reachable without a token (current_owner() is null).
do $$
declare t text;
begin
  foreach t in array array['owners', 'applied_changes', 'people', 'organizations', 'edges',
                           'interactions', 'merges'] loop
    execute format('alter table wig.%I enable row level security', t);
    execute format('revoke all on wig.%I from public, web_anon', t);
    execute format('grant select, insert, update on wig.%I to authenticated', t);
    -- (select …): evaluated once per statement as an InitPlan. Written bare,
    -- the claims JSON is parsed again for every probed and every written row
    -- (~3 parses per pushed change).
    if not exists (select 1 from pg_policies where schemaname = 'wig' and tablename = t
                   and policyname = 'own_rows') then
      execute format('create policy own_rows on wig.%I to authenticated '
                     'using (owner_id = (select wig.current_owner())) '
                     'with check (owner_id = (select wig.current_owner()))', t);
    else
      execute format('alter policy own_rows on wig.%I to authenticated '
                     'using (owner_id = (select wig.current_owner())) '
                     'with check (owner_id = (select wig.current_owner()))', t);
    end if;
  end loop;
end $$;

-- Nothing in wig is callable by default; the api functions grant themselves.
alter default privileges in schema wig revoke execute on functions from public;
alter default privileges in schema api revoke execute on functions from public;
