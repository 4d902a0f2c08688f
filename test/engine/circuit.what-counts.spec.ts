import { jest } from '@jest/globals';
import {
  BadRequestException,
  HttpException,
  InternalServerErrorException,
  NotFoundException,
} from '@nestjs/common';
import { Circuit, CircuitState, countsAsFailure } from '../../lib/index.js';

const thrower = (error: unknown) => () => {
  throw error;
};

describe('Circuit: what counts as a failure', () => {
  it('by default, every error but an HttpException below 500', () => {
    expect(countsAsFailure(new Error('down'))).toBe(true);
    expect(countsAsFailure('a string')).toBe(true);
    expect(countsAsFailure(undefined)).toBe(true);
    expect(countsAsFailure(new InternalServerErrorException())).toBe(true);
    expect(countsAsFailure(new HttpException('bad gateway', 502))).toBe(true);
    expect(countsAsFailure(new BadRequestException())).toBe(false);
    expect(countsAsFailure(new NotFoundException())).toBe(false);
    expect(countsAsFailure(new HttpException('teapot', 418))).toBe(false);
  });

  it('an ignored error is neither success nor failure, and the caller still gets it', () => {
    const circuit = new Circuit('users', { failureThreshold: 1 });
    const notFound = new NotFoundException();
    expect(() => circuit.execute(thrower(notFound))).toThrow(notFound);
    expect(circuit.stats()).toMatchObject({ ignored: 1, failures: 0, successes: 0 });
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('an ignored error leaves the consecutive failures as they were', () => {
    const circuit = new Circuit('users', { failureThreshold: 2 });
    expect(() => circuit.execute(thrower(new Error('down')))).toThrow();
    expect(() => circuit.execute(thrower(new BadRequestException()))).toThrow();
    expect(circuit.stats().consecutiveFailures).toBe(1);
    expect(() => circuit.execute(thrower(new Error('down')))).toThrow();
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('follows a custom isFailure, which sees the error itself', () => {
    const seen: unknown[] = [];
    const circuit = new Circuit('users', {
      failureThreshold: 1,
      isFailure: (error) => {
        seen.push(error);
        return error !== 'retryable';
      },
    });
    expect(() => circuit.execute(thrower('retryable'))).toThrow();
    expect(circuit.state).toBe(CircuitState.Closed);
    const bad = new BadRequestException();
    expect(() => circuit.execute(thrower(bad))).toThrow(bad); // counted: the custom rule says so
    expect(circuit.state).toBe(CircuitState.Open);
    expect(seen).toEqual(['retryable', bad]);
  });

  it('counts the error when isFailure itself throws, and reports the bug as a warning', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const bug = new Error('bug in isFailure');
      const circuit = new Circuit('users', {
        failureThreshold: 1,
        isFailure: () => {
          throw bug;
        },
      });
      const error = new Error('down');
      expect(() => circuit.execute(thrower(error))).toThrow(error); // still the caller's own error
      expect(circuit.state).toBe(CircuitState.Open);
      expect(warn).toHaveBeenCalledWith(bug, { code: 'CIRCUIT_CALLBACK_ERROR' });
    } finally {
      warn.mockRestore();
    }
  });
});
