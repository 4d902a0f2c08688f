import { jest } from '@jest/globals';
import {
  BadGatewayException,
  BadRequestException,
  ConflictException,
  HttpException,
  InternalServerErrorException,
  NotFoundException,
} from '@nestjs/common';
import {
  Circuit,
  CircuitOpenError,
  CircuitState,
  countsAsFailure,
  type CircuitOptions,
} from '../../lib/index.js';
import {
  answerOf,
  attempt,
  captureWarnings,
  fails,
  failsAsync,
  halfOpenCircuit,
  run,
  thrownBy,
} from './circuit-test-kit.js';

describe('Circuit: what counts as a failure', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it.each([
    ['an Error', new Error('down')],
    ['a TypeError', new TypeError('x is undefined')],
    ['an HttpException 500', new InternalServerErrorException()],
    ['an HttpException 502', new BadGatewayException()],
    ['an HttpException 500 built by hand', new HttpException('boom', 500)],
    [
      'a CircuitOpenError of another circuit (503)',
      new CircuitOpenError('db', CircuitState.Open, 5),
    ],
    ['a string', 'down'],
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a plain object', { code: 'ECONNRESET' }],
  ])('counts %s by default', (_what, error) => {
    expect(countsAsFailure(error)).toBe(true);
    const circuit = new Circuit('users', { failureThreshold: 1 });
    attempt(circuit, fails(error));
    expect(circuit.stats()).toMatchObject({ failures: 1, ignored: 0 });
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it.each([
    ['400', new BadRequestException()],
    ['404', new NotFoundException()],
    ['409', new ConflictException()],
    ['418 built by hand', new HttpException('teapot', 418)],
    ['499 built by hand', new HttpException('closed request', 499)],
  ])('ignores an HttpException %s by default: a client’s mistake', (_status, error) => {
    expect(countsAsFailure(error)).toBe(false);
    const circuit = new Circuit('users', { failureThreshold: 1 });
    expect(thrownBy(() => circuit.executeSync(fails(error)))).toBe(error);
    expect(circuit.stats()).toMatchObject({ failures: 0, ignored: 1, successes: 0 });
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('uses countsAsFailure as the default isFailure', () => {
    expect(new Circuit('users').options.isFailure).toBe(countsAsFailure);
  });

  it('an ignored error is neither a success nor a failure', () => {
    const circuit = new Circuit('users', { failureThreshold: 2 });
    run(circuit, 'F');
    attempt(circuit, fails(new BadRequestException())); // not a success: the count stays
    expect(circuit.stats()).toMatchObject({
      consecutiveFailures: 1,
      successes: 0,
      failures: 1,
      ignored: 1,
    });
    run(circuit, 'F'); // not a failure either: this is the 2nd in a row
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('follows a custom isFailure instead of the default, which sees the error itself', async () => {
    const seen: unknown[] = [];
    const circuit = new Circuit('users', {
      failureThreshold: 1,
      isFailure: (error) => {
        seen.push(error);
        return error !== 'retry later';
      },
    });
    attempt(circuit, fails('retry later'));
    expect(circuit.stats()).toMatchObject({ ignored: 1, failures: 0 });
    expect(circuit.state).toBe(CircuitState.Closed);
    const bad = new BadRequestException();
    expect(await answerOf(circuit, failsAsync(bad))).toEqual({ thrown: bad }); // counted: its rule
    expect(circuit.state).toBe(CircuitState.Open);
    expect(seen).toEqual(['retry later', bad]);
    expect(seen[1]).toBe(bad);
  });

  it('never asks isFailure about a success', () => {
    const isFailure = jest.fn(() => true);
    const circuit = new Circuit('users', { isFailure });
    run(circuit, 'SSS');
    expect(isFailure).not.toHaveBeenCalled();
  });

  it('counts the error when isFailure itself throws, and reports the bug as a warning', () => {
    const warn = captureWarnings();
    try {
      const bug = new Error('bug in isFailure');
      const circuit = new Circuit('users', {
        failureThreshold: 1,
        isFailure: () => {
          throw bug;
        },
      });
      const error = new Error('down');
      expect(thrownBy(() => circuit.executeSync(fails(error)))).toBe(error); // the caller's own
      expect(circuit.state).toBe(CircuitState.Open);
      // A message and its code: Node drops the code of a warning given as an Error.
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('bug in isFailure'),
        expect.objectContaining({ code: 'CIRCUIT_CALLBACK_ERROR', detail: bug.stack }),
      );
    } finally {
      warn.mockRestore();
    }
  });
});

describe('Circuit: the caller gets the function’s own answer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const rated: CircuitOptions = { failureRateThreshold: 1, slowCallDurationMs: 1 };
  const disabled = () => {
    const circuit = new Circuit('users');
    circuit.disable();
    return circuit;
  };
  // Every path a call can take through the circuit.
  const paths: [string, () => Circuit][] = [
    ['closed', () => new Circuit('users', { failureThreshold: Infinity })],
    ['closed, with timeoutMs', () => new Circuit('users', { timeoutMs: 1_000 })],
    ['closed, with a rate rule', () => new Circuit('users', rated)],
    ['half-open (a probe)', () => halfOpenCircuit({ successThreshold: 100 })],
    ['disabled', disabled],
  ];
  const errors: [string, unknown][] = [
    ['an Error', new Error('down')],
    ['an ignored HttpException', new NotFoundException()],
    ['a string', 'plain string'],
    ['undefined', undefined],
    ['null', null],
    ['a number', 0],
    ['a plain object', { code: 'E' }],
  ];

  describe.each(paths)('%s', (_path, make) => {
    it('returns a sync function’s value itself, synchronously', () => {
      const value = { id: 1 };
      const answer = make().executeSync(() => value);
      expect(answer).toBe(value); // not a promise
    });

    it('resolves an async function’s value itself', async () => {
      const value = { id: 2 };
      const answer = make().execute(async () => value);
      expect(answer).toBeInstanceOf(Promise);
      expect(await answer).toBe(value);
    });

    it('keeps a sync falsy value as it is', () => {
      const circuit = make();
      expect(circuit.executeSync(() => undefined)).toBeUndefined();
      expect(circuit.executeSync(() => null)).toBeNull();
      expect(circuit.executeSync(() => 0)).toBe(0);
    });

    it.each(errors)('throws %s synchronously, as it is', (_what, error) => {
      expect(thrownBy(() => make().executeSync(fails(error)))).toBe(error);
    });

    it.each(errors)('rejects with %s as it is', async (_what, error) => {
      const answer = make().execute(failsAsync(error));
      await expect(answer).rejects.toBe(error);
    });
  });
});
