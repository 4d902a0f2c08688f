import { ADMIN_CIRCUIT_NAME } from './circuit-breaker-admin.constants.js';

/**
 * The dashboard's cards, in the browser: one per circuit, built with the DOM API (a name
 * reaches the page only through `textContent` and `dataset`), updated from stats and state
 * changes. Part of the page script's scope: `run()` (a button's command) comes from there.
 */
export const DASHBOARD_CARD_SCRIPT = `
  const STATES = [
    ['closed', 'Closed'],
    ['half_open', 'Half-open'],
    ['open', 'Open'],
    ['forced_open', 'Forced open'],
    ['disabled', 'Disabled'],
  ];
  const LABELS = new Map(STATES);
  const ACTIONS = [
    ['reset', 'Reset'],
    ['force-open', 'Force open'],
    ['release', 'Release'],
    ['disable', 'Disable'],
  ];
  const ADDRESSABLE = new RegExp(${JSON.stringify(ADMIN_CIRCUIT_NAME.source)});
  const HISTORY = 60;
  const RECENT_MS = 10000;
  const SVG = 'http://www.w3.org/2000/svg';
  const numbers = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

  function h(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svg(tag, className) {
    const node = document.createElementNS(SVG, tag);
    if (className) node.setAttribute('class', className);
    return node;
  }

  function createCard(name) {
    const card = h('article', 'card');
    card.dataset.circuit = name;
    const title = h('h2', 'name', name);
    title.title = name;
    const badge = h('span', 'badge');
    const state = h('span');
    badge.append(h('i'), state);
    const since = h('div', 'since');
    const titles = h('div', 'title');
    titles.append(title, since);
    const head = h('div', 'head');
    head.append(titles, badge);

    const rateNumber = h('span', '', '0');
    const rateValue = h('div', 'rate-value');
    rateValue.append(rateNumber, h('small', '', '%'));
    const rateLabel = h('div', 'rate-label', 'no calls yet');
    const rateText = h('div');
    rateText.append(rateValue, rateLabel);
    const spark = svg('svg', 'spark');
    spark.setAttribute('viewBox', '0 0 100 40');
    spark.setAttribute('preserveAspectRatio', 'none');
    spark.setAttribute('aria-hidden', 'true');
    const baseline = svg('path', 'base');
    baseline.setAttribute('d', 'M0 38L100 38');
    const area = svg('path', 'area');
    const line = svg('path', 'line');
    spark.append(baseline, area, line);
    const rate = h('div', 'rate');
    rate.append(rateText, spark);

    const retryTime = h('b', '', '');
    const retryText = h('div');
    retryText.append(document.createTextNode('Open: next probe in '), retryTime);
    const barFill = h('i');
    const bar = h('div', 'bar');
    bar.append(barFill);
    const retry = h('div', 'retry');
    retry.append(retryText, bar);

    const metrics = h('dl', 'metrics');
    const cell = (label) => {
      const value = h('dd', '', '0');
      const box = h('div');
      box.append(h('dt', '', label), value);
      metrics.append(box);
      return value;
    };
    const values = {
      calls: cell('calls'),
      failures: cell('failures'),
      rejections: cell('rejected'),
    };

    const actions = h('div', 'actions');
    const buttons = new Map();
    const entry = {
      name, card, state, rateNumber, rateLabel, area, line, retryTime, barFill, values, since,
      buttons, history: [], samples: [], deadline: 0, openMs: 1, changedAt: 0, busy: false,
    };
    for (const [action, label] of ACTIONS) {
      const button = h('button', '', label);
      button.type = 'button';
      button.dataset.action = action;
      button.addEventListener('click', () => run(entry, action, label));
      buttons.set(action, button);
      actions.append(button);
    }
    card.append(head, rate, retry, metrics, actions);
    return entry;
  }

  function setState(entry, state) {
    if (entry.card.dataset.state && entry.card.dataset.state !== state) {
      entry.card.dataset.flash = 'false';
      void entry.card.offsetWidth;
      entry.card.dataset.flash = 'true';
    }
    entry.card.dataset.state = state;
    entry.state.textContent = LABELS.get(state) || state;
    refreshButtons(entry);
  }

  /** Three buttons at a time: Release stands in for the forced state's own button. */
  function refreshButtons(entry) {
    const state = entry.card.dataset.state;
    const forced = state === 'forced_open' || state === 'disabled';
    const addressable = ADDRESSABLE.test(entry.name);
    const shown = {
      reset: true,
      'force-open': state !== 'forced_open',
      release: forced,
      disable: state !== 'disabled',
    };
    for (const [action, button] of entry.buttons) {
      button.hidden = !shown[action];
      button.disabled = entry.busy || !addressable;
      if (!addressable) button.title = 'This name cannot be used in a URL';
    }
  }

  /** One circuit's stats; \`sample\` for the periodic snapshots that feed the sparkline. */
  function update(entry, stats, sample) {
    const now = performance.now();
    setState(entry, stats.state);
    const done = stats.successes + stats.failures;
    if (sample) {
      const last = entry.samples[entry.samples.length - 1];
      if (last && (done < last.done || stats.failures < last.failures)) entry.samples = [];
      const previous = entry.samples[entry.samples.length - 1];
      const ran = previous ? done - previous.done : 0;
      const point = ran > 0 ? (stats.failures - previous.failures) / ran : previous ? lastPoint(entry) : 0;
      entry.samples.push({ at: now, done, failures: stats.failures });
      while (entry.samples.length > 2 && now - entry.samples[1].at >= RECENT_MS) entry.samples.shift();
      entry.history.push(Math.max(0, Math.min(1, point)));
      if (entry.history.length > HISTORY) entry.history.shift();
      draw(entry);
    }
    const oldest = entry.samples[0];
    const recentCalls = oldest ? done - oldest.done : 0;
    let rate = 0;
    let label = 'no calls yet';
    if (stats.windowCalls > 0) {
      rate = stats.failureRate;
      label = 'failure rate · window';
    } else if (recentCalls > 0) {
      rate = (stats.failures - oldest.failures) / recentCalls;
      label = 'failed calls · last 10 s';
    } else if (done > 0) {
      rate = stats.failures / done;
      label = 'failed calls · since reset';
    }
    entry.rateNumber.textContent = (rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0);
    entry.rateLabel.textContent = label;
    setNumber(entry.values.calls, stats.totalCalls, false);
    setNumber(entry.values.failures, stats.failures, true);
    entry.values.failures.title = stats.failures + ' failures, ' + stats.timeouts + ' of them timeouts';
    setNumber(entry.values.rejections, stats.rejections, true);
    entry.changedAt = Date.parse(stats.lastStateChangeAt) || Date.now();
    if (stats.state === 'open') {
      entry.deadline = now + stats.retryAfterMs;
      entry.openMs = Math.max(1, Date.parse(stats.openUntil) - entry.changedAt) || stats.retryAfterMs || 1;
    }
    tickCard(entry, now);
  }

  function lastPoint(entry) {
    return entry.history.length ? entry.history[entry.history.length - 1] : 0;
  }

  function setNumber(node, value, warn) {
    node.textContent = numbers.format(value);
    node.title = String(value);
    node.classList.toggle('bad', warn && value > 0);
  }

  function draw(entry) {
    const points = entry.history;
    if (points.length < 2) return;
    const step = 100 / (HISTORY - 1);
    const start = (HISTORY - points.length) * step;
    let path = '';
    points.forEach((value, i) => {
      path += (i ? 'L' : 'M') + (start + i * step).toFixed(2) + ' ' + (38 - value * 35).toFixed(2);
    });
    entry.line.setAttribute('d', path);
    entry.area.setAttribute('d', path + 'L100 38L' + start.toFixed(2) + ' 38Z');
  }

  function tickCard(entry, now) {
    if (entry.card.dataset.state === 'open') {
      const left = Math.max(0, entry.deadline - now);
      entry.retryTime.textContent = left > 0 ? (left / 1000).toFixed(1) + ' s' : 'now';
      entry.barFill.style.transform = 'scaleX(' + Math.min(1, left / entry.openMs).toFixed(4) + ')';
    }
    entry.since.textContent = 'changed ' + ago(Date.now() - entry.changedAt);
  }

  function ago(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 5) return 'just now';
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return Math.floor(s / 86400) + ' d ago';
  }
`;
