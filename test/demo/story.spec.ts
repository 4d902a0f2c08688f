import { inferPath, type ObservedChange } from '../../demo/circuit-watcher.js';
import { circuitsOf, judge, stateAt, summarize } from '../../demo/story.js';
import { Timeline } from '../../demo/timeline.js';
import type { RequestRecord } from '../../demo/traffic.js';

// The demo's verdict, from records and changes made up here; `npm run demo` itself runs in .ci/run.
const change = (circuit: string, from: string, to: string, at: number): ObservedChange => ({
  circuit,
  from,
  to,
  path: inferPath(from, to),
  at,
});
const stock = (startedAt: number, outcome: RequestRecord['outcome']): RequestRecord => ({
  kind: 'stock',
  startedAt,
  endedAt: startedAt + 5,
  status: 200,
  outcome,
});
const order = (startedAt: number, status: number): RequestRecord => ({
  kind: 'order',
  startedAt,
  endedAt: startedAt + 5,
  status,
  outcome: status === 503 ? 'refused' : 'live',
});

// The inventory's origin circuit, as the sample app's `outbound` option names it.
const inventory = 'outbound:http://127.0.0.1:3001';
const circuits = circuitsOf('http://127.0.0.1:3001');

const story = [
  change(inventory, 'closed', 'open', 100),
  change('orders', 'closed', 'open', 110),
  change(inventory, 'open', 'half_open', 200),
  change(inventory, 'half_open', 'closed', 201),
  change('orders', 'open', 'closed', 210), // a probe that came and went between two polls
];
const closed = { [inventory]: 'closed', orders: 'closed' };

describe('the demo story', () => {
  it('infers the states a circuit passed through between two polls', () => {
    expect(inferPath('open', 'closed')).toEqual(['half_open', 'closed']);
    expect(inferPath('closed', 'half_open')).toEqual(['open', 'half_open']);
    expect(inferPath('half_open', 'closed')).toEqual(['closed']);
    expect(inferPath('open', 'forced_open')).toEqual(['forced_open']); // by hand
  });

  it('names the inventory circuit by the origin the sample app calls', () => {
    expect(circuits).toEqual({ stock: inventory, order: 'orders' });
  });

  it('knows the state of a circuit at any time', () => {
    expect(stateAt(story, inventory, 50)).toBe('closed');
    expect(stateAt(story, inventory, 150)).toBe('open');
    expect(stateAt(story, inventory, 200)).toBe('half_open');
    expect(stateAt(story, 'orders', 300)).toBe('closed');
  });

  it('counts outcomes, and the live answers after the inventory circuit closed by a probe', () => {
    const records = [
      stock(50, 'live'),
      stock(150, 'fallback'),
      order(160, 503),
      stock(250, 'live'),
    ];
    const summary = summarize(records, story, closed, 400, circuits);
    expect(summary).toMatchObject({ requests: 4, live: 2, fallbacks: 1, refused: 1, errors: 0 });
    expect(summary.byKind).toEqual({ stock: 3, order: 1 });
    expect(summary.liveAfterRecovery).toBe(1);
    expect(summary.latency.stock.open).toEqual({ count: 1, maxMs: 5, medianMs: 5 });
    expect(judge(summary)).toEqual([]);
  });

  it('says what did not happen', () => {
    const summary = summarize(
      [stock(50, 'live')],
      [change(inventory, 'closed', 'open', 100)],
      { [inventory]: 'open', orders: 'closed' },
      400,
      circuits,
    );
    expect(judge(summary)).toEqual([
      `the ${inventory} circuit did not close again (it is open)`,
      'the orders circuit never opened',
      'no fallback was served',
      'POST /orders never got a 503',
      'no live stock answer came after the inventory circuit closed again',
    ]);
  });
});

describe('the demo timeline', () => {
  /** The line the timeline prints for one observed change, without colours. */
  const lineOf = (observed: ObservedChange) => {
    const lines: string[] = [];
    const timeline = new Timeline(
      (text) => lines.push(text),
      (text) => text,
    );
    timeline.start(0, []);
    lines.length = 0;
    timeline.change(observed);
    return lines.join('');
  };

  it('tells a probe’s verdict when the poll saw the circuit half-open first', () => {
    // Polled while half-open, then after the probe: the path holds the end state only.
    expect(lineOf(change('orders', 'half_open', 'open', 300))).toContain(
      'half_open → open   probe failed: open again',
    );
    expect(lineOf(change('orders', 'half_open', 'closed', 300))).toContain(
      'half_open → closed   probe succeeded',
    );
  });

  it('tells a trip, and a probe that came and went between two polls', () => {
    expect(lineOf(change('orders', 'closed', 'open', 100))).toContain('closed → open   tripped');
    expect(lineOf(change('orders', 'open', 'closed', 300))).toContain(
      'open → half_open → closed   probe succeeded',
    );
  });
});
