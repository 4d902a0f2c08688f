import { DASHBOARD_ELEMENTS_SCRIPT } from '../../lib/admin/dashboard-elements.script.js';
import { DASHBOARD_FORMAT_SCRIPT } from '../../lib/admin/dashboard-format.script.js';
import { DASHBOARD_STREAM_SCRIPT } from '../../lib/admin/dashboard-stream.script.js';

// The dashboard's browser scripts are plain JavaScript in strings; their pure functions run here
// as they do in the page.
const { duration, ms, percent } = new Function(
  `${DASHBOARD_FORMAT_SCRIPT}\nreturn { duration, ms, percent };`,
)() as {
  duration(ms: number): [string, string];
  ms(ms: number): string;
  percent(share: number): string;
};

interface Path {
  d: string | null;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
}
const { drawSpark } = new Function(`${DASHBOARD_ELEMENTS_SCRIPT}\nreturn { drawSpark };`)() as {
  drawSpark(spark: { line: Path; area: Path }, points: (number | null)[], top: number): void;
};

describe('the dashboard’s figures as text', () => {
  it.each([
    [0, '0.00 ms'],
    [0.42, '0.42 ms'],
    [0.999, '1.0 ms'],
    [4.25, '4.3 ms'],
    [9.96, '10 ms'],
    [12.4, '12 ms'],
    [999.4, '999 ms'],
    [999.6, '1.0 s'],
    [1_234, '1.2 s'],
    [9_960, '10 s'],
    [42_000, '42 s'],
    [59_600, '1.0 min'],
    [90_000, '1.5 min'],
  ])('%p ms reads %p', (value, text) => {
    expect(ms(value)).toBe(text);
  });

  it('splits a duration into number and unit, for a big number and a small unit', () => {
    expect(duration(1_234)).toEqual(['1.2', 's']);
  });

  it('gives a share in percent, with a decimal below 10 %', () => {
    expect([0, 0.042, 0.1, 0.555, 1].map(percent)).toEqual(['0', '4.2', '10', '56', '100']);
  });
});

describe('the dashboard’s sparklines', () => {
  const path = (): Path => ({
    d: null,
    setAttribute(_name, value) {
      this.d = value;
    },
    removeAttribute() {
      this.d = null;
    },
  });

  it('draws the newest point at the right edge, scaled to the top', () => {
    const spark = { line: path(), area: path() };
    drawSpark(spark, [0, 5, 10], 10);
    expect(spark.line.d).toBe('M96.61 38.00L98.31 20.50L100.00 3.00');
    expect(spark.area.d).toBe(`${spark.line.d}L100.00 38L96.61 38Z`);
  });

  it('leaves a gap for a missing point, and draws nothing of a lone point', () => {
    const spark = { line: path(), area: path() };
    drawSpark(spark, [1, 1, null, 1, null], 1);
    expect(spark.line.d).toBe('M93.22 3.00L94.92 3.00');
    drawSpark(spark, [null, 1], 1);
    expect(spark.line.d).toBeNull();
    expect(spark.area.d).toBeNull();
  });
});

describe('the dashboard’s stream reader', () => {
  /** The reader, fed `chunks` by a fake fetch(): what it hands to streamEvent(). */
  async function read(chunks: string[]): Promise<[string, unknown][]> {
    const events: [string, unknown][] = [];
    let reconnect: (() => void) | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
    const connect = new Function(
      'api',
      'streamEvent',
      'setLive',
      'say',
      'failure',
      'live',
      'setTimeout',
      `${DASHBOARD_STREAM_SCRIPT}\nreturn connect;`,
    )(
      async () => ({ ok: true, body }),
      (type: string, data: unknown) => events.push([type, data]),
      () => {},
      () => {},
      async () => '',
      { dataset: { live: 'live' } },
      (again: () => void) => (reconnect = again),
    ) as () => Promise<void>;
    await connect();
    expect(reconnect).toBeDefined(); // a stream that ended is opened again
    return events;
  }

  it('splits events across and within chunks, and reads their type and JSON data', async () => {
    const events = await read([
      'event: circuits\ndata: [{"name":"a"}]\n\nevent: circ',
      'uit\ndata: {"name":"a","state":"open"}\n',
      '\n: a comment\n\nevent: removed\r\ndata: {"name":"a"}\r\n\r\n',
    ]);
    expect(events).toEqual([
      ['circuits', [{ name: 'a' }]],
      ['circuit', { name: 'a', state: 'open' }],
      ['removed', { name: 'a' }],
    ]);
  });
});
