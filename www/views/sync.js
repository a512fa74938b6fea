// Sync settings and status: server URL and token (kept in localStorage, or
// preset by the demo's /config.json), "sync now", periodic sync, and the
// progress / status / error events of the package's createSync().
import { $, h } from '../dom.js';

const KEY = 'wig-sync-settings';

function listen(sync, name, fn) {
  // EventTarget-style or emitter-style, whichever the sync object is.
  if (typeof sync.addEventListener === 'function') sync.addEventListener(name, (e) => fn(e.detail ?? e));
  else if (typeof sync.on === 'function') sync.on(name, fn);
}

export function mountSync(ctx) {
  let sync = null;
  let syncKey = '';

  const available = () => typeof ctx.wig.createSync === 'function';

  function settings() {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    const preset = ctx.config?.sync ?? {};
    // A preset may name the gateway relative to this page (serve.mjs proxies /gateway/).
    const presetUrl = preset.url ? new URL(preset.url, location.href).href.replace(/\/$/, '') : '';
    return { url: saved?.url ?? presetUrl, token: saved?.token ?? preset.token ?? '', interval: saved?.interval ?? preset.interval ?? 0 };
  }

  function fill() {
    const s = settings();
    $('sync-url').value = s.url;
    $('sync-token').value = s.token;
    $('sync-interval').value = String(s.interval);
  }

  let lastSuccess = null;

  // Statuses: idle, syncing, offline, error, unauthorized (the 'status' event
  // carries { status, error }; the sync object has `status` and `lastError`).
  function showStatus(state) {
    const s = typeof state === 'string' ? { status: state } : state ?? {};
    const error = s.error ?? sync?.lastError;
    const parts = [s.status ?? 'idle'];
    if (lastSuccess) parts.push(`last synced ${lastSuccess.toLocaleTimeString()}`);
    if (error && s.status !== 'idle') parts.push(`${error.code ? `${error.code}: ` : ''}${error.reason ?? error.message ?? String(error)}`);
    $('sync-status').textContent = parts.join(' · ');
    $('sync-status').dataset.state = s.status ?? 'idle';
    $('sync-outbox').textContent = `${ctx.graph.stats().outboxChanges} changes not yet pushed`;
  }

  function showProgress(p) {
    const done = p?.done ?? p?.pushed ?? p?.pulled ?? 0;
    const total = p?.total ?? 0;
    $('sync-progress').value = total > 0 ? Math.min(1, done / total) : 0;
    $('sync-progress-text').textContent = p?.phase ? `${p.phase}: ${done}${total ? ` of ${total}` : ''}` : `${done}${total ? ` of ${total}` : ''}`;
  }

  let lastShown = null;
  function showError(e) {
    const code = e?.code ?? e?.error?.code ?? '';
    const message = e?.message ?? e?.error?.message ?? e?.reason ?? String(e);
    let text = code && !message.startsWith(code) ? `${code}: ${message}` : message;
    // The browser says only "Failed to fetch" when another origin sends no CORS headers.
    const url = settings().url;
    if (code === 'NETWORK' && /failed to fetch|networkerror|load failed/i.test(message) && url && new URL(url, location.href).origin !== location.origin) {
      text += ` (is the server up? A server on another origin must also allow this page's origin (CORS); the demo's gateway is proxied at ${location.origin}/gateway)`;
    }
    // A failed syncNow both emits 'error' and rejects with the same error: show it once.
    if (e && e === lastShown) return;
    lastShown = e;
    $('sync-progress-text').textContent = 'failed'; // not a stale "retrying … attempt 6"
    $('sync-errors').prepend(h('li', { class: 'error', 'data-testid': 'sync-error' }, `${new Date().toISOString().slice(11, 19)} ${text}`));
    while ($('sync-errors').children.length > 20) $('sync-errors').lastChild.remove();
  }

  /** The sync object for the current settings (made again when they change). */
  function client() {
    const s = settings();
    if (!s.url) throw new Error('Set the server URL first.');
    const key = JSON.stringify(s);
    if (sync && key === syncKey) return sync;
    // The new client is made and started before the running one is closed:
    // settings it refuses leave the running sync (and its timer) as it was.
    const next = ctx.wig.createSync(ctx.graph, { url: s.url, getToken: async () => settings().token });
    if (s.interval > 0) {
      try {
        next.start({ interval: Math.max(1, Math.round(s.interval)) * 1000 });
      } catch (err) {
        next.close();
        throw err;
      }
    }
    sync?.close?.();
    sync = next;
    listen(sync, 'progress', showProgress);
    listen(sync, 'status', showStatus);
    listen(sync, 'error', showError);
    listen(sync, 'retry', (r) => { $('sync-progress-text').textContent = `retrying ${r.call} (attempt ${r.attempt}): ${r.reason}`; });
    // Pulled changes (or another tab's) are in the graph now: redraw.
    listen(sync, 'remotechange', () => ctx.changed());
    syncKey = key;
    return sync;
  }

  $('sync-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const url = $('sync-url').value.trim();
    const next = { url, token: $('sync-token').value, interval: Math.max(0, Number($('sync-interval').value) || 0) };
    const before = localStorage.getItem(KEY);
    localStorage.setItem(KEY, JSON.stringify(next));
    if (!available()) return;
    try {
      client();
      ctx.status('Sync settings saved.', 'ready');
    } catch (err) {
      // Refused settings (an ftp:// URL, an interval out of range) are not kept.
      if (before === null) localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, before);
      showError(err);
    }
  });
  /** One sync now, for the button and the demo's start: redraws after it, shows (and rethrows) its error. */
  async function syncOnce() {
    try {
      const result = await client().syncNow();
      // Offline, or another tab syncing: nothing was synced by this call.
      if (!result?.skipped) {
        lastSuccess = new Date();
        ctx.changed();
      }
      return result;
    } catch (err) {
      showError(err);
      throw err;
    } finally {
      showStatus(sync?.status);
    }
  }

  $('sync-now').addEventListener('click', async () => {
    if (!available()) return;
    // Settings typed but not saved are what the user means to sync with.
    const s = settings();
    if ($('sync-url').value.trim() !== s.url || $('sync-token').value !== s.token) {
      $('sync-form').requestSubmit();
      if (settings().url !== $('sync-url').value.trim()) return; // refused: its error is shown
    }
    $('sync-now').disabled = true;
    try {
      const result = await syncOnce();
      $('sync-progress-text').textContent = result?.skipped === 'offline' ? 'not synced: offline (it resumes when the connection is back)'
        : result?.skipped ? `not synced: ${result.skipped === 'locked' ? 'another tab is syncing' : result.skipped}`
          : `done: ${JSON.stringify(result)}`;
    } catch {
      // shown by syncOnce
    } finally {
      $('sync-now').disabled = false;
    }
  });

  return {
    show() {
      fill();
      const ok = available();
      $('sync-unavailable').hidden = ok;
      $('sync-unavailable').replaceChildren(h('p', { class: 'warning' }, 'Sync is not available in this build of @wig/graph (no createSync export). Settings can be saved for a build that has it.'));
      $('sync-now').disabled = !ok;
      if (ok && settings().url && !sync) {
        try { client(); } catch (err) { showError(err); }
      }
      showStatus(sync?.status);
    },
    /** The demo's preset (`config.sync.autoStart`): pull the graph from the server at start, then keep syncing. */
    async autoStart() {
      if (!available() || !settings().url) return;
      ctx.status('Syncing with the server…', 'busy');
      try {
        await syncOnce();
        ctx.status(`Ready — synced with ${settings().url}.`, 'ready');
      } catch (err) {
        ctx.status(`Sync failed: ${err.code ?? ''} ${err.message}`, 'error');
      }
    },
    stop() {
      sync?.close?.();
      sync = null;
    },
  };
}
