import { ADMIN_CIRCUIT_NAME } from './circuit-breaker-admin.constants.js';

/**
 * The dashboard's cards, in the browser: one per circuit, built with the DOM API (a name
 * reaches the page only through `textContent` and `dataset`), updated from each circuit's
 * stats and sampled every `statsIntervalMs` for their sparklines. Part of the page script's
 * scope: `run()` (a button's command) and `showTimeline()` (a click on the card elsewhere) come
 * from there.
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
  const RECENT_MS = 10000;
  const FLAPPING =
    'Flapping: this circuit opened more times than its flapThreshold within its flapWindowMs ' +
    '(by default, more than 5 times in 10 minutes). Its dependency keeps failing and recovering.';
  const NOT_TIMED =
    'Calls through this circuit are not timed. trackLatency: true, a slow-call rule or metrics time them.';

  /** A big figure with its unit, a label under it, and a sparkline. */
  function figure(className, unit) {
    const number = h('span', '', '0');
    const small = h('small', '', unit);
    const value = h('div', 'figure-value');
    value.append(number, small);
    const label = h('div', 'figure-label');
    const spark = createSpark();
    const box = h('div', 'figure ' + className);
    box.append(value, label, spark.node);
    return { box, value, number, small, label, spark, points: [] };
  }

  function createCard(name) {
    const card = h('article', 'card');
    card.dataset.circuit = name;
    card.tabIndex = 0;
    card.setAttribute('aria-describedby', 'card-hint');
    const title = h('h2', 'name', name);
    title.title = name;
    const badge = h('span', 'badge');
    const state = h('span');
    badge.append(h('i'), state);
    const since = h('span', 'since');
    const flap = h('span', 'flap', 'flapping');
    flap.title = FLAPPING;
    flap.hidden = true;
    const meta = h('div', 'meta');
    meta.append(since, flap);
    const titles = h('div', 'title');
    titles.append(title, meta);
    const head = h('div', 'head');
    head.append(titles, badge);

    const rate = figure('failure', '%');
    const latency = figure('latency', 'ms');
    const figures = h('div', 'figures');
    figures.append(rate.box, latency.box);

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
      name, card, state, flap, rate, latency, retryTime, barFill, values, since, buttons,
      stats: null, samples: [], timed: false, lastStateChangeAt: null, deadline: 0, openMs: 1, changedAt: 0, busy: false,
    };
    for (const [action, label] of ACTIONS) {
      const button = h('button', '', label);
      button.type = 'button';
      button.dataset.action = action;
      button.addEventListener('click', () => run(entry, action, label));
      buttons.set(action, button);
      actions.append(button);
    }
    card.append(head, figures, retry, metrics, actions);
    // The card opens its timeline: a click anywhere but on a button (or selecting its text),
    // or Enter and Space while the card itself has the focus.
    card.addEventListener('click', (event) => {
      if (event.target.closest('button') || String(getSelection()) !== '') return;
      showTimeline(entry);
    });
    card.addEventListener('keydown', (event) => {
      if (event.target !== card || (event.key !== 'Enter' && event.key !== ' ')) return;
      event.preventDefault();
      showTimeline(entry);
    });
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

  /** One circuit's stats, as the stream sends them. */
  function update(entry, stats) {
    entry.stats = stats;
    const now = performance.now();
    setState(entry, stats.state);
    const done = stats.successes + stats.failures;
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
    entry.rate.number.textContent = percent(rate);
    entry.rate.label.textContent = label;
    showLatency(entry, stats.latency);
    entry.flap.hidden = !stats.flapping;
    entry.card.dataset.flapping = String(stats.flapping);
    setNumber(entry.values.calls, stats.totalCalls, false);
    setNumber(entry.values.failures, stats.failures, true);
    entry.values.failures.title = stats.failures + ' failures, ' + stats.timeouts + ' of them timeouts';
    setNumber(entry.values.rejections, stats.rejections, true);
    entry.changedAt = Date.parse(stats.lastStateChangeAt) || Date.now();
    entry.lastStateChangeAt = stats.lastStateChangeAt;
    timelineStats(entry, stats.lastStateChangeAt);
    if (stats.state === 'open') {
      entry.deadline = now + stats.retryAfterMs;
      entry.openMs = Math.max(1, Date.parse(stats.openUntil) - entry.changedAt) || stats.retryAfterMs || 1;
    }
    tickCard(entry, now);
  }

  /** The card's figures now, as its sparklines' newest points: one every \`statsIntervalMs\`. */
  function sample(entry) {
    const stats = entry.stats;
    if (!stats) return;
    const now = performance.now();
    const done = stats.successes + stats.failures;
    const last = entry.samples[entry.samples.length - 1];
    if (last && (done < last.done || stats.failures < last.failures)) entry.samples = [];
    const previous = entry.samples[entry.samples.length - 1];
    const ran = previous ? done - previous.done : 0;
    const point = ran > 0 ? (stats.failures - previous.failures) / ran : previous ? lastPoint(entry.rate) : 0;
    entry.samples.push({ at: now, done, failures: stats.failures });
    while (entry.samples.length > 2 && now - entry.samples[1].at >= RECENT_MS) entry.samples.shift();
    addPoint(entry.rate, Math.max(0, Math.min(1, point)));
    drawSpark(entry.rate.spark, entry.rate.points, 1);
    addPoint(entry.latency, stats.latency ? stats.latency.p99Ms : null);
    const top = Math.max(0, ...entry.latency.points.filter((p) => p !== null));
    drawSpark(entry.latency.spark, entry.latency.points, top * 1.15);
    update(entry, stats); // the failure figure covers the samples
  }

  /** The p99 of the window's calls; "not timed" for a circuit that never reported a latency. */
  function showLatency(entry, latency) {
    const p99 = entry.latency;
    if (latency) entry.timed = true;
    p99.box.dataset.timed = String(entry.timed);
    if (latency) {
      const [number, unit] = duration(latency.p99Ms);
      p99.number.textContent = number;
      p99.small.textContent = ' ' + unit;
      p99.label.textContent = 'p99 latency · window';
      p99.box.title =
        'Over the ' + latency.calls + ' timed calls in the window: p50 ' + ms(latency.p50Ms) +
        ', p90 ' + ms(latency.p90Ms) + ', p99 ' + ms(latency.p99Ms) + ', max ' + ms(latency.maxMs) +
        ', mean ' + ms(latency.meanMs) + '.';
    } else {
      p99.number.textContent = '–';
      p99.small.textContent = '';
      p99.label.textContent = entry.timed ? 'p99 · no calls in window' : 'latency not timed';
      p99.box.title = entry.timed ? 'No timed call in the window yet.' : NOT_TIMED;
    }
  }

  function addPoint(figure, value) {
    figure.points.push(value);
    if (figure.points.length > SPARK_POINTS) figure.points.shift();
  }

  function lastPoint(figure) {
    return figure.points.length ? figure.points[figure.points.length - 1] : 0;
  }

  function setNumber(node, value, warn) {
    node.textContent = numbers.format(value);
    node.title = String(value);
    node.classList.toggle('bad', warn && value > 0);
  }

  function tickCard(entry, now) {
    if (entry.card.dataset.state === 'open') {
      const left = Math.max(0, entry.deadline - now);
      entry.retryTime.textContent = left > 0 ? (left / 1000).toFixed(1) + ' s' : 'now';
      entry.barFill.style.transform = 'scaleX(' + Math.min(1, left / entry.openMs).toFixed(4) + ')';
    }
    entry.since.textContent = 'changed ' + ago(Date.now() - entry.changedAt);
  }
`;
