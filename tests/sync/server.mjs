// Shared by the server tests and the server benchmark: starts the real
// PostgreSQL + gateway through scripts/pg.sh, calls the two RPC functions, and
// makes well-formed records of every kind (camelCase, as src/model serializes).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { userToken } from './jwt.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** `scripts/pg.sh start` (idempotent), then its `env` into process.env. */
export function startServer() {
  const start = spawnSync('bash', ['scripts/pg.sh', 'start'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (start.status !== 0) throw new Error(`scripts/pg.sh start failed (${start.status})`);
  const env = spawnSync('bash', ['scripts/pg.sh', 'env'], { cwd: root, encoding: 'utf8' });
  if (env.status !== 0) throw new Error(`scripts/pg.sh env failed: ${env.stderr}`);
  for (const line of env.stdout.split('\n')) {
    const m = /^export (\w+)=(.*)$/.exec(line);
    if (m) process.env[m[1]] = m[2];
  }
  return process.env.WIG_GATEWAY_URL;
}

export function stopServer() {
  spawnSync('bash', ['scripts/pg.sh', 'stop'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** POST {gateway}/rpc/NAME; returns {status, body} (body parsed when JSON). */
export async function rpc(name, args, token, { headers = {} } = {}) {
  const res = await fetch(`${process.env.WIG_GATEWAY_URL}/rpc/${name}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: typeof args === 'string' ? args : JSON.stringify(args),
  });
  const text = await res.text();
  let body = text;
  try { body = JSON.parse(text); } catch { /* not JSON: keep the text */ }
  return { status: res.status, body, text, contentType: res.headers.get('content-type') ?? '' };
}

/** A test user: a fresh `sub` and its push/pull. */
export function user(sub = `user-${randomUUID()}`) {
  const token = userToken(sub);
  return {
    sub,
    token,
    push: (changes) => rpc('wig_push', { changes }, token),
    pull: (since = 0, limit = 5000) => rpc('wig_pull', { since, limit }, token),
    /** Every row after `since`, page by page. */
    async pullAll(since = 0, limit = 5000) {
      const pages = [];
      for (;;) {
        const { status, body } = await rpc('wig_pull', { since, limit }, token);
        if (status !== 200) throw new Error(`pull ${status}: ${JSON.stringify(body)}`);
        pages.push(body);
        since = body.checkpoint;
        if (!body.more) return pages;
      }
    },
  };
}

export const id = () => randomUUID();
const at = (ms) => new Date(ms).toISOString();
const T0 = Date.parse('2024-05-01T12:00:00.000Z');

export function person(over = {}) {
  return {
    id: id(), names: ['Ada Lovelace'], emails: ['ada@example.org'], phones: ['+44 20 7946 0000'],
    socialHandles: { linkedin: 'ada' }, title: 'Analyst', organizationId: null, addresses: [],
    birthDate: '1815-12-10', mergeExplanation: null, previousIds: [], mergedInto: null,
    metadata: { note: 'first' }, createdAt: at(T0), updatedAt: at(T0), deletedAt: null, ...over,
  };
}

export function organization(over = {}) {
  return {
    id: id(), name: 'Analytical Engines Ltd', domain: 'engines.example', mergeExplanation: null,
    previousIds: [], mergedInto: null, metadata: null, createdAt: at(T0), updatedAt: at(T0),
    deletedAt: null, ...over,
  };
}

export function edge(from, to, over = {}) {
  return {
    id: id(), fromPersonId: from, toPersonId: to, relationshipType: 'knows', strength: 0.4217,
    strengthFactors: [{ name: 'frequency', value: 0.5, contribution: 0.2 }], sources: ['gmail'],
    channels: ['email', 'meeting'], firstSeenAt: at(T0 - 86_400_000), lastSeenAt: at(T0),
    interactionCount: 7, metadata: {}, createdAt: at(T0), updatedAt: at(T0), deletedAt: null, ...over,
  };
}

export function interaction(over = {}) {
  return {
    id: id(), sourceName: 'gmail', sourceId: `msg-${randomUUID()}`, timestamp: at(T0),
    participants: ['ada@example.org', 'charles@example.org'], channel: 'email', direction: 'one_way',
    sender: 'ada@example.org', durationMinutes: null, metadata: { subject: 'Engines' },
    createdAt: at(T0), updatedAt: at(T0), deletedAt: null, ...over,
  };
}

export function merge(target, sources, over = {}) {
  return {
    id: id(), seq: 3, entityType: 'person', targetId: target.id, sourceIds: sources.map((s) => s.id),
    explanation: { score: 0.97 }, peopleBefore: [target, ...sources], peopleAfter: [target],
    organizationsBefore: [], organizationsAfter: [], edgesBefore: [], edgesAfter: [],
    removedEdgeIds: [], createdAt: at(T0), undoneAt: null, ...over,
  };
}

/** A push item for `record` of `kind`. */
export function change(kind, record, { op = 'upsert', base = 0, changeId = id(), recordId } = {}) {
  return {
    change_id: changeId, kind, id: recordId ?? record?.id, op, base_version: base,
    record: op === 'erase' ? null : record,
  };
}
