import type { DemoTimings } from './timings.js';

export type RequestKind = 'stock' | 'order';

/**
 * - `live`: the stock came from the inventory service, or the order was placed;
 * - `fallback`: the stock came from the cache, because the inventory call failed or its circuit was open;
 * - `refused`: 503, the orders circuit was open;
 * - `error`: anything else (a POST that reached the failing inventory before its circuit opened).
 */
export type Outcome = 'live' | 'fallback' | 'refused' | 'error';

export interface RequestRecord {
  kind: RequestKind;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
  /** HTTP status, or 0 when no answer came. */
  status: number;
  outcome: Outcome;
}

const SKUS = ['sku-7', 'sku-42', 'sku-1337'];

/**
 * Steady load on the orders app: every tick a burst of concurrent `GET /orders/stock/:sku`,
 * and every few ticks a `POST /orders`. Requests are fired on time, not one after the other, as
 * independent clients would.
 */
export class Traffic {
  readonly records: RequestRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private reported = 0;

  constructor(
    private readonly ordersUrl: string,
    private readonly timings: DemoTimings,
  ) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.timings.tickMs);
  }

  /** Stops sending and waits for the answers still on their way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
  }

  /** The requests that finished since the last call. */
  takeFinished(): RequestRecord[] {
    const finished = this.records.slice(this.reported);
    this.reported = this.records.length;
    return finished;
  }

  private tick(): void {
    for (let i = 0; i < this.timings.stockPerTick; i++) {
      const sku = SKUS[(this.ticks * this.timings.stockPerTick + i) % SKUS.length];
      this.send('stock', `/orders/stock/${sku}`);
    }
    if (this.ticks % this.timings.postEveryTicks === 0) {
      this.send('order', '/orders', { sku: SKUS[this.ticks % SKUS.length], quantity: 1 });
    }
    this.ticks++;
  }

  private send(kind: RequestKind, path: string, body?: object): void {
    const startedAt = Date.now();
    const request = fetch(`${this.ordersUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (response) => {
        const answer = (await response.json().catch(() => undefined)) as
          { source?: string } | undefined;
        return { status: response.status, outcome: outcomeOf(kind, response.status, answer) };
      })
      .catch(() => ({ status: 0, outcome: 'error' as const }))
      .then(({ status, outcome }) => {
        this.records.push({ kind, startedAt, endedAt: Date.now(), status, outcome });
        this.inFlight.delete(request);
      });
    this.inFlight.add(request);
  }
}

function outcomeOf(kind: RequestKind, status: number, answer?: { source?: string }): Outcome {
  if (status === 503) return 'refused';
  if (status < 200 || status > 299) return 'error';
  if (kind === 'stock') return answer?.source === 'cache' ? 'fallback' : 'live';
  return 'live';
}
