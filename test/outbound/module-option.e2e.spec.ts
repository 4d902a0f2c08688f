import { CircuitBreakerModule, CircuitOptionsError } from '../../lib/index.js';
import { moduleOf, startupError } from '../core/support/start-app.js';

// A mistake in `outbound` stops the application at start-up, naming the option.

describe('the outbound module option at start-up', () => {
  it.each([
    [{ maxOrigins: 0 }, 'outbound.maxOrigins'],
    [
      { origins: { 'https://pay.example.com/v1': {} } },
      'outbound.origins["https://pay.example.com/v1"]',
    ],
    [{ defaults: { timeoutMs: -5 } }, 'timeoutMs'],
  ])('%j fails start-up with a CircuitOptionsError on %s', async (outbound, option) => {
    const error = await startupError(
      moduleOf({ imports: [CircuitBreakerModule.forRoot({ outbound })] }),
    );
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect((error as CircuitOptionsError).option).toBe(option);
  });

  it('starts without it, and with it', async () => {
    expect(
      await startupError(moduleOf({ imports: [CircuitBreakerModule.forRoot({})] })),
    ).toBeUndefined();
    expect(
      await startupError(
        moduleOf({ imports: [CircuitBreakerModule.forRoot({ outbound: { fetch: false } })] }),
      ),
    ).toBeUndefined();
  });
});
