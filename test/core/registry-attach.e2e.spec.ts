import { jest } from '@jest/globals';
import { Module } from '@nestjs/common';
import {
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  type Circuit,
  type CircuitStateChange,
} from '../../lib/index.js';
import { startApp, type RunningApp } from './support/start-app.js';

// registry.attach(): the one way an integration plugs into every circuit, present and future,
// each undone when its circuit is removed or the application shuts down.

@Module({ imports: [CircuitBreakerModule.forRoot({ circuits: { payments: {}, search: {} } })] })
class AppModule {}

describe('CircuitBreakerRegistry.attach()', () => {
  let running: RunningApp;
  let registry: CircuitBreakerRegistry;
  beforeEach(async () => {
    running = await startApp(AppModule);
    registry = running.get(CircuitBreakerRegistry);
  });
  afterEach(() => running?.close());

  /** An attachment that records each state change it hears, per circuit, and what it undid. */
  function recorder() {
    const heard: string[] = [];
    const undone: string[] = [];
    const attachment = (circuit: Circuit) => {
      const unsubscribe = circuit.subscribe(({ to }: CircuitStateChange) =>
        heard.push(`${circuit.name}:${to}`),
      );
      return () => {
        unsubscribe();
        undone.push(circuit.name);
      };
    };
    return { heard, undone, attachment };
  }

  it('runs on the circuits there are and on those built later', () => {
    const { heard, attachment } = recorder();
    registry.attach(attachment);
    registry.getOrCreate('later');
    for (const name of ['payments', 'search', 'later']) registry.forceOpen(name);
    expect(heard).toEqual(['payments:forced_open', 'search:forced_open', 'later:forced_open']);
  });

  it('undoes it for a circuit when that circuit is removed', () => {
    const { heard, undone, attachment } = recorder();
    registry.attach(attachment);
    const payments = registry.get('payments')!;
    registry.remove('payments');
    expect(undone).toEqual(['payments']);
    payments.forceOpen(); // still held by a method, maybe: no longer heard
    expect(heard).toEqual([]);
  });

  it('returns what undoes it everywhere, once', () => {
    const { undone, attachment } = recorder();
    const detach = registry.attach(attachment);
    detach();
    detach();
    expect(undone.sort()).toEqual(['payments', 'search']);
    registry.getOrCreate('later');
    expect(undone).toHaveLength(2);
  });

  it('undoes every attachment when the application shuts down', async () => {
    const { undone, attachment } = recorder();
    registry.attach(attachment);
    await running.close();
    expect(undone.sort()).toEqual(['payments', 'search']);
  });

  it('reports an attachment that throws as a warning, and goes on with the others', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      registry.attach(() => {
        throw new Error('integration bug');
      });
      const { heard, attachment } = recorder();
      registry.attach(attachment);
      registry.getOrCreate('later').forceOpen();
      expect(heard).toContain('later:forced_open');
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('integration bug'),
        expect.objectContaining({ code: 'CIRCUIT_CALLBACK_ERROR' }),
      );
    } finally {
      warn.mockRestore();
    }
  });
});
