import { Injectable } from '@nestjs/common';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerNotifications,
  CircuitBreakerRegistry,
  type CircuitBreakerNotificationsOptions,
  type CircuitOptions,
  type CircuitStore,
} from '../../../lib/index.js';
import { moduleOf, startApp, type RunningApp } from '../../core/support/start-app.js';

/** What the protected calls fail with: it must never reach a webhook. */
export const DEPENDENCY_ERROR = 'card processor down: boom-4242';

@Injectable()
export class PaymentsClient {
  down = false;

  @CircuitBreaker({ name: 'payments', failureThreshold: 2, resetTimeoutMs: 60_000 })
  async charge(): Promise<string> {
    if (this.down) throw new Error(DEPENDENCY_ERROR);
    return 'charged';
  }

  /** A healthy dependency behind a circuit of its own. */
  @CircuitBreaker({ name: 'ledger' })
  async record(): Promise<string> {
    return 'recorded';
  }
}

export interface NotifyingApp {
  running: RunningApp;
  client: PaymentsClient;
  registry: CircuitBreakerRegistry;
  notifier: CircuitBreakerNotifications;
  close(): Promise<void>;
}

/** A real HTTP app with `notifications` on and a decorated client. */
export async function startNotifyingApp(
  notifications: CircuitBreakerNotificationsOptions,
  circuits?: Record<string, CircuitOptions>,
  store?: CircuitStore,
): Promise<NotifyingApp> {
  const running = await startApp(
    moduleOf({
      imports: [CircuitBreakerModule.forRoot({ notifications, circuits, store })],
      providers: [PaymentsClient],
    }),
  );
  return {
    running,
    client: running.get(PaymentsClient),
    registry: running.get(CircuitBreakerRegistry),
    notifier: running.get(CircuitBreakerNotifications),
    close: () => running.close(),
  };
}

/**
 * Two failed charges, which open `payments`, and one refused: each call's outcome, as its
 * caller sees it.
 */
export async function tripPayments(client: PaymentsClient): Promise<string[]> {
  client.down = true;
  const outcomes: string[] = [];
  for (let i = 0; i < 3; i++) {
    outcomes.push(
      await client.charge().then(
        (value) => value,
        (error: Error) => error.message,
      ),
    );
  }
  return outcomes;
}

/** What `tripPayments` must see: the dependency's own error twice, then a refusal. */
export const TRIPPED = [DEPENDENCY_ERROR, DEPENDENCY_ERROR, 'Circuit "payments" is open'];
