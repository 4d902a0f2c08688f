import type { CircuitStats } from 'nestjs-circuit-breaker';
import type { ObservedChange } from './circuit-watcher.js';
import type { DemoSummary, LatencyStats } from './story.js';
import type { RequestRecord } from './traffic.js';

const STYLES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  magenta: [35, 39],
  cyan: [36, 39],
} as const;

export type Style = keyof typeof STYLES;
export type Paint = (text: string, ...styles: Style[]) => string;

/** Colours when `enabled`; otherwise the text as it is. */
export function painter(enabled: boolean): Paint {
  if (!enabled) return (text) => text;
  return (text, ...styles) =>
    styles.reduce((painted, style) => {
      const [on, off] = STYLES[style];
      return `\x1b[${on}m${painted}\x1b[${off}m`;
    }, text);
}

/** ANSI colours on a terminal, unless NO_COLOR says no; FORCE_COLOR turns them on anywhere. */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '')
    return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const STATE_STYLE: Readonly<Record<string, Style[]>> = {
  closed: ['green'],
  open: ['red', 'bold'],
  half_open: ['yellow', 'bold'],
  forced_open: ['magenta', 'bold'],
  disabled: ['dim'],
};

/** What a state change means for the callers of the sample app's circuits. */
const MEANING: Readonly<Record<string, { open: string; closed: string }>> = {
  // The inventory's origin circuit (`outbound:http://127.0.0.1:<port>`), the one outbound circuit.
  outbound: {
    open: 'GET /orders/stock answers from the cache (fallback)',
    closed: 'stock is live again',
  },
  orders: {
    open: 'POST /orders answers 503 + Retry-After at once',
    closed: 'orders go through again',
  },
};

const TIME = 6;
const RATE = 8;
const PERCENT = 6;
const CLIENT_COLUMNS = [
  ['live', 6],
  ['fallback', 9],
  ['503', 5],
  ['errors', 7],
  ['max ms', 7],
] as const;

/**
 * The live view: one row per interval with each circuit's state, calls/s and failure rate and
 * what the clients got, and a marked line for every step of the scenario and every state change.
 */
export class Timeline {
  private startedAt = 0;
  private circuits: string[] = [];
  private previous = new Map<string, CircuitStats>();
  private previousAt = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly paint: Paint,
  ) {}

  line(text = ''): void {
    this.write(`${text}\n`);
  }

  title(text: string): void {
    this.line(this.paint(text, 'bold'));
  }

  note(text: string): void {
    this.line(`  ${text}`);
  }

  /** Starts the clock at `at` and prints the column headers. */
  start(at: number, stats: CircuitStats[]): void {
    this.startedAt = this.previousAt = at;
    this.circuits = stats.map((s) => s.name);
    this.previous = new Map(stats.map((s) => [s.name, s]));
    const head = [
      'time'.padStart(TIME),
      ...this.circuits.map(
        (name) =>
          `${name.padEnd(this.stateWidth(name))}${'calls/s'.padStart(RATE)}${'fail%'.padStart(PERCENT)}`,
      ),
      CLIENT_COLUMNS.map(([label, width]) => label.padStart(width)).join(''),
    ];
    this.line();
    this.line(this.paint(head.join('   '), 'dim'));
  }

  /** A row: the circuits now, against the previous row; the requests that finished since. */
  row(at: number, stats: CircuitStats[], finished: RequestRecord[]): void {
    const seconds = Math.max(0.001, (at - this.previousAt) / 1000);
    const cells = this.circuits.map((name) => {
      const now = stats.find((s) => s.name === name);
      if (now === undefined) return ''.padEnd(this.stateWidth(name) + RATE + PERCENT);
      const before = this.previous.get(name) ?? now;
      const calls = Math.max(0, now.totalCalls - before.totalCalls);
      const failures = Math.max(0, now.failures - before.failures);
      const ran = failures + Math.max(0, now.successes - before.successes);
      const rate = ran === 0 ? '-' : `${Math.round((100 * failures) / ran)}%`;
      const rateText = rate.padStart(PERCENT);
      return (
        this.state(now.state, this.stateWidth(name)) +
        String(Math.round(calls / seconds)).padStart(RATE) +
        (failures > 0 ? this.paint(rateText, 'red') : rateText)
      );
    });
    const count = (outcome: RequestRecord['outcome']) =>
      finished.filter((r) => r.outcome === outcome).length;
    const maxMs = Math.max(0, ...finished.map((r) => r.endedAt - r.startedAt));
    const client = [count('live'), count('fallback'), count('refused'), count('error'), maxMs];
    const clientCells = CLIENT_COLUMNS.map(([label, width], i) => {
      const text = String(client[i]).padStart(width);
      if (client[i] === 0 || label === 'live' || label === 'max ms') return text;
      return this.paint(text, label === 'fallback' ? 'yellow' : 'red');
    });
    this.line([this.time(at), ...cells, clientCells.join('')].join('   '));
    this.previous = new Map(stats.map((s) => [s.name, s]));
    this.previousAt = at;
  }

  /** A step of the scenario: what the demo does to the app. */
  step(at: number, text: string, detail = ''): void {
    this.line(
      `${this.time(at)}   ${this.paint(`▸ ${text}`, 'cyan', 'bold')}${detail ? `   ${this.paint(detail, 'dim')}` : ''}`,
    );
  }

  /** A state change, as it happens. */
  change(change: ObservedChange): void {
    this.line(`${this.time(change.at)}   ${this.describe(change)}`);
  }

  summary(summary: DemoSummary, problems: string[]): void {
    const { paint } = this;
    const n = (value: number) => String(value).padStart(6);
    const label = (text: string) => `  ${text.padEnd(16)}`;
    this.line();
    this.title(`Summary: ${(summary.durationMs / 1000).toFixed(1)} s of traffic`);
    this.line(
      `${label('requests')}${n(summary.requests)}   ${paint(`GET /orders/stock ${summary.byKind.stock} · POST /orders ${summary.byKind.order}`, 'dim')}`,
    );
    this.line(
      `${label('live answers')}${n(summary.live)}   ${paint('from the inventory service, or orders placed', 'dim')}`,
    );
    this.line(
      `${label('fallbacks')}${n(summary.fallbacks)}   ${paint('cached stock while the inventory failed or its circuit was open', 'dim')}`,
    );
    this.line(
      `${label('503s')}${n(summary.refused)}   ${paint('POST /orders refused at once while the orders circuit was open', 'dim')}`,
    );
    this.line(
      `${label('errors')}${n(summary.errors)}   ${paint('POST /orders that hit the failing inventory before the circuit opened', 'dim')}`,
    );
    const latency = (stats: LatencyStats) =>
      stats.count === 0 ? '-' : `${stats.maxMs} ms (median ${stats.medianMs})`;
    for (const [kind, title] of [
      ['stock', 'GET /orders/stock'],
      ['order', 'POST /orders'],
    ] as const) {
      const { closed, open } = summary.latency[kind];
      this.line(
        `${label(kind === 'stock' ? 'max latency' : '')}${paint('closed', ...STATE_STYLE.closed)} ${latency(closed).padEnd(20)} ${paint('open', ...STATE_STYLE.open)} ${latency(open).padEnd(20)} ${paint(title, 'dim')}`,
      );
    }
    this.line(label('state changes').trimEnd());
    for (const change of summary.changes)
      this.line(`  ${this.time(change.at)}   ${this.describe(change)}`);
    this.line();
    if (problems.length === 0) {
      this.line(
        paint(
          '✔ The story happened: the dependency failed, the circuits opened, fallbacks and 503s answered at once, and probes closed the circuits once it recovered.',
          'green',
          'bold',
        ),
      );
    } else {
      this.line(paint('✘ The story did not happen:', 'red', 'bold'));
      for (const problem of problems) this.line(paint(`  - ${problem}`, 'red'));
    }
  }

  private describe({ circuit, from, to, path }: ObservedChange): string {
    const states = [from, ...path];
    // A probe's verdict: the circuit was half-open on the way here, or at its start.
    const probed = states.slice(0, -1).includes('half_open');
    let meaning = '';
    const means = MEANING[circuit.startsWith('outbound:') ? 'outbound' : circuit];
    if (to === 'open' && probed) meaning = 'probe failed: open again';
    else if (to === 'open') meaning = `tripped${means ? `: ${means.open}` : ''}`;
    else if (to === 'half_open') meaning = 'letting a probe through';
    else if (to === 'closed' && probed)
      meaning = `probe succeeded${means ? `: ${means.closed}` : ''}`;
    return `${this.paint('◆', ...(STATE_STYLE[to] ?? []))} ${this.paint(circuit, 'bold')}  ${states.map((state) => this.state(state)).join(' → ')}${meaning ? `   ${this.paint(meaning, 'dim')}` : ''}`;
  }

  private state(state: string, width = 0): string {
    return this.paint(state.padEnd(width), ...(STATE_STYLE[state] ?? []));
  }

  private stateWidth(name: string): number {
    return Math.max(name.length, 'half_open'.length);
  }

  private time(at: number): string {
    return `${((at - this.startedAt) / 1000).toFixed(1)}s`.padStart(TIME);
  }
}
