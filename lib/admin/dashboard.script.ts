import { DASHBOARD_CARD_SCRIPT } from './dashboard-card.script.js';
import { DASHBOARD_ELEMENTS_SCRIPT } from './dashboard-elements.script.js';
import { DASHBOARD_FORMAT_SCRIPT } from './dashboard-format.script.js';
import { DASHBOARD_TIMELINE_SCRIPT } from './dashboard-timeline.script.js';

/**
 * The dashboard's script, run in the browser: the cards (`DASHBOARD_CARD_SCRIPT`) built from
 * `GET basePath`, kept live by the `events` stream; the header's counts, the filter, the
 * buttons' commands, and the timeline panel a card opens (`DASHBOARD_TIMELINE_SCRIPT`).
 */
export const DASHBOARD_SCRIPT = `
'use strict';
(() => {
  const base = document.body.dataset.base || '';
${DASHBOARD_ELEMENTS_SCRIPT}
${DASHBOARD_FORMAT_SCRIPT}
${DASHBOARD_CARD_SCRIPT}
${DASHBOARD_TIMELINE_SCRIPT}
  const byName = new Intl.Collator(undefined, { numeric: true });
  const grid = document.getElementById('grid');
  const empty = document.getElementById('empty');
  const live = document.getElementById('live');
  const filter = document.getElementById('filter');
  const toast = document.getElementById('toast');
  const cards = new Map();
  const pills = new Map();
  let loaded = false;

  for (const [state, label] of STATES) {
    const pill = h('span', 'count');
    pill.dataset.state = state;
    const value = h('b', '', '0');
    pill.append(h('i'), value, document.createTextNode(label.toLowerCase()));
    pills.set(state, { pill, value });
    document.getElementById('counts').append(pill);
  }

  /** Cards stay in name order, so none moves when a state changes. */
  function add(name) {
    const entry = createCard(name);
    cards.set(name, entry);
    const next = [...cards.values()]
      .filter((other) => other !== entry && byName.compare(other.name, name) > 0)
      .sort((a, b) => byName.compare(a.name, b.name))[0];
    grid.insertBefore(entry.card, next ? next.card : null);
    applyFilter(entry);
    return entry;
  }

  function refreshPage() {
    const counts = new Map(STATES.map(([state]) => [state, 0]));
    for (const entry of cards.values()) {
      const state = entry.card.dataset.state;
      counts.set(state, (counts.get(state) || 0) + 1);
    }
    for (const [state, { pill, value }] of pills) {
      value.textContent = String(counts.get(state));
      pill.dataset.zero = String(counts.get(state) === 0);
    }
    const rejecting = counts.get('open') + counts.get('forced_open');
    document.title = (rejecting ? '(' + rejecting + ' open) ' : '') + 'Circuit breakers';
    empty.hidden = !loaded || cards.size > 0;
  }

  function applySnapshot(list) {
    loaded = true;
    const seen = new Set();
    for (const stats of list) {
      seen.add(stats.name);
      update(cards.get(stats.name) || add(stats.name), stats, true);
    }
    for (const [name, entry] of cards) {
      if (!seen.has(name)) {
        entry.card.remove();
        cards.delete(name);
        timelineRemoved(name);
      }
    }
    refreshPage();
  }

  function applyChange(change) {
    const entry = cards.get(change.circuit);
    if (!entry) return;
    setState(entry, change.to);
    entry.changedAt = Date.parse(change.at) || Date.now();
    timelineChanged(change.circuit, change.at);
    refreshPage();
  }

  async function run(entry, action, label) {
    entry.busy = true;
    refreshButtons(entry);
    try {
      const response = await fetch(base + '/' + encodeURIComponent(entry.name) + '/' + action, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { accept: 'application/json' },
      });
      if (!response.ok) throw new Error(await failure(response));
      update(entry, await response.json(), false);
    } catch (error) {
      say(label + ' ' + entry.name + ' failed: ' + error.message);
    } finally {
      entry.busy = false;
      refreshButtons(entry);
      refreshPage();
    }
  }

  async function failure(response) {
    let message = response.statusText;
    try {
      const body = await response.json();
      if (body && typeof body.message === 'string') message = body.message;
    } catch {
      // not JSON: the status says enough
    }
    return response.status + ' ' + message;
  }

  let toastTimer = 0;
  function say(message) {
    toast.textContent = message;
    toast.dataset.show = 'true';
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (toast.dataset.show = 'false'), 5000);
  }

  function applyFilter(entry) {
    const query = filter.value.trim().toLowerCase();
    entry.card.hidden = query !== '' && !entry.name.toLowerCase().includes(query);
  }
  filter.addEventListener('input', () => cards.forEach(applyFilter));

  function setLive(state, text) {
    live.dataset.live = state;
    live.lastElementChild.textContent = text;
  }

  function connect() {
    const source = new EventSource(base + '/events');
    source.addEventListener('open', () => setLive('live', 'live'));
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) {
        setLive('offline', 'offline, retrying');
        setTimeout(connect, 5000);
      } else {
        setLive('retrying', 'reconnecting');
      }
    });
    source.addEventListener('stats', (event) => applySnapshot(JSON.parse(event.data)));
    source.addEventListener('state', (event) => applyChange(JSON.parse(event.data)));
  }

  setInterval(() => {
    const now = performance.now();
    for (const entry of cards.values()) tickCard(entry, now);
    tickTimeline();
  }, 250);

  fetch(base || '/', { credentials: 'same-origin', headers: { accept: 'application/json' } })
    .then(async (response) => {
      if (!response.ok) throw new Error(await failure(response));
      applySnapshot(await response.json());
    })
    .catch((error) => say('Could not load the circuits: ' + error.message));
  connect();
})();
`;
