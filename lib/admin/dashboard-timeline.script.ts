/**
 * The dashboard's timeline panel, in the browser: one circuit's last state changes from
 * `GET basePath/:name/history`, newest first, each with its time, from → to, the reason in
 * words and the figures that explain it. Opened from a card, refreshed when that circuit's
 * stats say it changed state, closed by its button or Escape. Part of the page script's scope.
 */
export const DASHBOARD_TIMELINE_SCRIPT = `
  const REASONS = {
    consecutive_failures: (t) =>
      'Tripped: ' + t.consecutiveFailures + (t.consecutiveFailures === 1 ? ' failure' : ' failures in a row'),
    failure_rate: (t) => 'Tripped: ' + percent(t.failureRate) + ' % of the window’s calls failed',
    slow_call_rate: (t) => 'Tripped: ' + percent(t.slowCallRate) + ' % of the window’s calls were slow',
    reset_timeout_elapsed: () => 'Open time over: probes may run',
    probe_failed: () => 'A probe failed: open again',
    probe_timed_out: () => 'A probe ran past its time limit: open again',
    probes_succeeded: () => 'Probes succeeded: recovered',
    retry_after: () => 'The dependency asked for room (Retry-After): held open until then',
    reset: () => 'Reset by an operator',
    forced_open: () => 'Forced open by an operator',
    disabled: () => 'Disabled by an operator',
    released: () => 'Released by an operator',
    shared: () => 'Set by another replica, through the shared store',
    restored: () => 'Restored from a snapshot',
  };
  const panel = document.getElementById('timeline');
  const panelName = document.getElementById('timeline-name');
  const panelNote = document.getElementById('timeline-note');
  const panelList = document.getElementById('timeline-events');
  let shown = null;
  let seenAt = null;
  let request = 0;

  /** Opens the panel on \`entry\`'s history; on the one it shows already, closes it. */
  function showTimeline(entry) {
    if (shown === entry) return hideTimeline();
    if (shown) delete shown.card.dataset.selected;
    shown = entry;
    seenAt = entry.lastStateChangeAt;
    entry.card.dataset.selected = 'true';
    panelName.textContent = entry.name;
    panelNote.textContent = 'Loading…';
    panelList.replaceChildren();
    panel.hidden = false;
    document.body.dataset.timeline = 'open';
    panel.focus();
    loadTimeline();
  }

  function hideTimeline() {
    if (!shown) return;
    const card = shown.card;
    delete card.dataset.selected;
    shown = null;
    request++;
    panel.hidden = true;
    delete document.body.dataset.timeline;
    if (card.isConnected) card.focus();
  }

  /** Stats of \`entry\`: a newer \`lastStateChangeAt\` is one more entry in its history. */
  function timelineStats(entry, lastStateChangeAt) {
    if (shown !== entry || lastStateChangeAt === seenAt) return;
    seenAt = lastStateChangeAt;
    loadTimeline();
  }
  /** \`name\` is gone from the registry's list. */
  function timelineRemoved(name) {
    if (shown && shown.name === name) hideTimeline();
  }

  async function loadTimeline() {
    const entry = shown;
    const ticket = ++request;
    if (!ADDRESSABLE.test(entry.name)) {
      panelNote.textContent = 'This name cannot be used in a URL, so its history cannot be read here.';
      return;
    }
    try {
      const response = await api('/' + encodeURIComponent(entry.name) + '/history');
      if (!response.ok) throw new Error(await failure(response));
      const history = await response.json();
      if (ticket === request) renderTimeline(history);
    } catch (error) {
      if (ticket === request) panelNote.textContent = 'Could not load the history: ' + error.message;
    }
  }

  function renderTimeline(history) {
    panelNote.textContent = history.length
      ? history.length + (history.length === 1 ? ' state change' : ' state changes') + ', newest first'
      : 'No state changes yet.';
    panelList.replaceChildren(...history.slice().reverse().map(timelineItem));
  }

  function timelineItem(change) {
    const item = h('li', 'change');
    item.dataset.to = change.to;
    const states = h('div', 'states');
    states.append(stateName(change.from), h('span', 'arrow', '→'), stateName(change.to));
    const at = new Date(change.at);
    const time = h('time', '', timeOfDay(at));
    time.dateTime = change.at;
    time.title = at.toString();
    const since = h('span', 'ago');
    since.dataset.at = String(at.getTime());
    const when = h('div', 'when');
    when.append(time, since);
    const top = h('div', 'change-head');
    top.append(states, when);
    const reason = h('div', 'reason', reasonInWords(change));
    item.append(top, reason);
    const figures = timelineFigures(change);
    if (figures.childElementCount) item.append(figures);
    tickAgo(since, Date.now());
    return item;
  }

  function reasonInWords(change) {
    const known = Object.hasOwn(REASONS, change.reason);
    return known ? REASONS[change.reason](change) : String(change.reason).replace(/_/g, ' ');
  }

  function stateName(state) {
    const name = h('span', 'state', LABELS.get(state) || state);
    name.dataset.state = state;
    return name;
  }

  /** What the circuit's figures were then: those not zero, the one behind the reason marked. */
  function timelineFigures(change) {
    const list = h('dl', 'figures-then');
    const add = (label, value, key) => {
      const box = h('div');
      if (change.reason === key) box.className = 'key';
      box.append(h('dt', '', label), h('dd', '', value));
      list.append(box);
    };
    if (change.consecutiveFailures > 0 || change.reason === 'consecutive_failures')
      add('in a row', String(change.consecutiveFailures), 'consecutive_failures');
    if (change.failureRate > 0 || change.reason === 'failure_rate')
      add('failure rate', percent(change.failureRate) + ' %', 'failure_rate');
    if (change.slowCallRate > 0 || change.reason === 'slow_call_rate')
      add('slow calls', percent(change.slowCallRate) + ' %', 'slow_call_rate');
    if (change.p99Ms !== null && change.p99Ms !== undefined) add('p99', ms(change.p99Ms), '');
    return list;
  }

  function tickAgo(node, now) {
    node.textContent = ago(now - Number(node.dataset.at));
  }
  function tickTimeline() {
    if (!shown) return;
    const now = Date.now();
    for (const node of panelList.querySelectorAll('.ago')) tickAgo(node, now);
  }

  document.getElementById('timeline-close').addEventListener('click', hideTimeline);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && shown) {
      event.preventDefault();
      hideTimeline();
    }
  });
`;
