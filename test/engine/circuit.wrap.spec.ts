import { jest } from '@jest/globals';
import { Circuit, CircuitOpenError, CircuitState } from '../../lib/index.js';

class StockClient {
  base = 10;
  stock(sku: string, extra = 0): string {
    return `${sku}:${this.base + extra}`;
  }
  async fetch(sku: string): Promise<{ sku: string; base: number }> {
    return { sku, base: this.base };
  }
}

describe('Circuit: wrap()', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('passes the arguments through, exactly as given', () => {
    const circuit = new Circuit('inventory');
    let received: unknown[] = [];
    const wrapped = circuit.wrap((...args: unknown[]) => (received = args));
    const object = {};
    wrapped('a', 1, undefined, object);
    expect(received).toEqual(['a', 1, undefined, object]);
    expect(received[3]).toBe(object);
    wrapped();
    expect(received).toEqual([]);
  });

  it('keeps `this`, as the wrapper is called', async () => {
    const circuit = new Circuit('inventory');
    const client = new StockClient();
    const stock = circuit.wrapSync(client.stock);
    expect(stock.call(client, 'a', 2)).toBe('a:12');
    const bound = { base: 1, stock };
    expect(bound.stock('b')).toBe('b:1');
    await expect(circuit.wrap(client.stock).call(client, 'c', 1)).resolves.toBe('c:11');
    const fetch = circuit.wrap(client.fetch).bind(client);
    await expect(fetch('c')).resolves.toEqual({ sku: 'c', base: 10 });
  });

  it('returns the function’s own value or error, always as a promise', async () => {
    const circuit = new Circuit('inventory');
    const value = { id: 1 };
    await expect(circuit.wrap(() => value)()).resolves.toBe(value);
    const error = new Error('own');
    const throwing = circuit.wrap(() => {
      throw error;
    });
    await expect(throwing()).rejects.toBe(error);
    const rejecting = circuit.wrap(async () => {
      throw error;
    });
    await expect(rejecting()).rejects.toBe(error);
    const resolving = circuit.wrap(async () => value);
    await expect(resolving()).resolves.toBe(value);
  });

  it('has the same parameters, and returns a promise of the return type, for TypeScript', async () => {
    const circuit = new Circuit('inventory');
    const client = new StockClient();
    const stock = circuit.wrap(client.stock.bind(client));
    const sameStock: (sku: string, extra?: number) => Promise<string> = stock;
    const fetch = circuit.wrap((sku: string) => client.fetch(sku));
    const sameFetch: (sku: string) => Promise<{ sku: string; base: number }> = fetch;
    // @ts-expect-error -- a number is not a sku
    void (() => stock(42));
    // @ts-expect-error -- the return type is kept: not a number
    const wrong: Promise<number> = stock('a');
    void [sameStock, sameFetch, wrong];
    const identity = circuit.wrapSync(<T>(value: T): T => value);
    const kept: number = identity(5); // generic, still
    expect(kept).toBe(5);
    const syncStock: (sku: string, extra?: number) => string = circuit.wrapSync(
      client.stock.bind(client),
    );
    expect(syncStock('a')).toBe(client.stock('a'));
  });

  it('keeps the function’s name', () => {
    const circuit = new Circuit('inventory');
    function fetchStock() {
      return 1;
    }
    expect(circuit.wrap(fetchStock).name).toBe('fetchStock');
  });

  it('goes through the circuit: counted, shared with execute, rejected while open', async () => {
    const circuit = new Circuit('inventory', { failureThreshold: 2 });
    const fn = jest.fn(async (sku: string) => {
      throw new Error(`no ${sku}`);
    });
    const fetchStock = circuit.wrap(fn);
    await expect(fetchStock('a')).rejects.toThrow('no a');
    await expect(circuit.execute(async () => Promise.reject(new Error('b')))).rejects.toThrow('b');
    expect(circuit.state).toBe(CircuitState.Open);
    await expect(fetchStock('c')).rejects.toBeInstanceOf(CircuitOpenError);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(circuit.stats()).toMatchObject({ failures: 2, rejections: 1, totalCalls: 3 });
  });

  it('wrapSync: throws CircuitOpenError synchronously from a wrapped sync function while open', () => {
    const circuit = new Circuit('inventory', { failureThreshold: 1 });
    const parse = circuit.wrapSync((text: string) => JSON.parse(text) as unknown);
    expect(() => parse('{')).toThrow(SyntaxError);
    expect(() => parse('{}')).toThrow(CircuitOpenError);
  });

  it('wrap: rejects, never throws, while open, whatever the function is', async () => {
    const circuit = new Circuit('inventory', { failureThreshold: 1 });
    const parse = circuit.wrap((text: string) => JSON.parse(text) as unknown);
    await expect(parse('{')).rejects.toThrow(SyntaxError);
    let answer: Promise<unknown> | undefined;
    expect(() => (answer = parse('{}'))).not.toThrow();
    await expect(answer).rejects.toBeInstanceOf(CircuitOpenError);
  });
});
