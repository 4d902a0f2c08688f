import { DASHBOARD_AUTH_SCRIPT } from './dashboard-auth.script.js';
import { DASHBOARD_CARD_SCRIPT } from './dashboard-card.script.js';
import { DASHBOARD_ELEMENTS_SCRIPT } from './dashboard-elements.script.js';
import { DASHBOARD_FORMAT_SCRIPT } from './dashboard-format.script.js';
import { DASHBOARD_STREAM_SCRIPT } from './dashboard-stream.script.js';
import { DASHBOARD_TIMELINE_SCRIPT } from './dashboard-timeline.script.js';

/**
 * The dashboard's script, run in the browser: the cards (`DASHBOARD_CARD_SCRIPT`) built and kept
 * live from the `events` stream (`DASHBOARD_STREAM_SCRIPT`): the whole list on connecting, then
 * one circuit at a time; the header's counts, the filter, the buttons' commands, and the
 * timeline panel a card opens (`DASHBOARD_TIMELINE_SCRIPT`). Every request goes through `api()`
 * (`DASHBOARD_AUTH_SCRIPT`), which authenticates it.
 */
export const DASHBOARD_SCRIPT = `
'use strict';
(() => {
  const base = document.body.dataset.base || '';
${DASHBOARD_ELEMENTS_SCRIPT}
${DASHBOARD_FORMAT_SCRIPT}
${DASHBOARD_AUTH_SCRIPT}
${DASHBOARD_CARD_SCRIPT}
${DASHBOARD_TIMELINE_SCRIPT}
${DASHBOARD_STREAM_SCRIPT}
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

  /** The whole list: on connecting, and when the stream had to catch up. */
  function applyList(list) {
    loaded = true;
    const seen = new Set();
    for (const stats of list) {
      seen.add(stats.name);
      update(cards.get(stats.name) || add(stats.name), stats);
    }
    for (const name of cards.keys()) if (!seen.has(name)) remove(name);
    refreshPage();
  }

  function remove(name) {
    const entry = cards.get(name);
    if (!entry) return;
    entry.card.remove();
    cards.delete(name);
    timelineRemoved(name);
  }

  function streamEvent(type, data) {
    if (type === 'circuits') return applyList(data);
    if (type === 'circuit') update(cards.get(data.name) || add(data.name), data);
    else if (type === 'removed') remove(data.name);
    else return;
    refreshPage();
  }

  async function run(entry, action, label) {
    entry.busy = true;
    refreshButtons(entry);
    try {
      const response = await api('/' + encodeURIComponent(entry.name) + '/' + action, { method: 'POST' });
      if (!response.ok) throw new Error(await failure(response));
      update(entry, await response.json());
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

  setInterval(() => {
    const now = performance.now();
    for (const entry of cards.values()) tickCard(entry, now);
    tickTimeline();
  }, 250);

  setInterval(() => {
    for (const entry of cards.values()) sample(entry);
  }, Number(document.body.dataset.sampleMs) || 1000);

  connect();
})();
`;
