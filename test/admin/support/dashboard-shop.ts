import {
  Controller,
  Get,
  Injectable,
  Module,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
} from '../../../lib/index.js';

/** The dashboard browser test's application: a shop with a few circuits in every state. */

@Injectable()
export class InventoryClient {
  healthy = true;

  @CircuitBreaker({
    name: 'inventory',
    failureThreshold: 3,
    resetTimeoutMs: 30_000,
    trackLatency: true,
  })
  async stock(): Promise<{ available: number }> {
    const healthy = this.healthy; // as the call starts: one started before a change is unaffected
    await sleep(3);
    if (!healthy) throw new Error('inventory down');
    return { available: 7 };
  }
}

@Controller('stock')
class StockController {
  constructor(private readonly inventory: InventoryClient) {}

  @Get()
  stock() {
    return this.inventory.stock();
  }
}

/** An operator's session, as a cookie: the dashboard's requests and its event stream carry it. */
class SessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { headers } = context.switchToHttp().getRequest<{ headers: { cookie?: string } }>();
    return /(^|;\s*)operator=yes(;|$)/.test(headers.cookie ?? '');
  }
}

/** Opens more than twice a minute: flapping after its third opening. */
export const FLAPPY = {
  failureThreshold: 1,
  resetTimeoutMs: 60_000,
  flapThreshold: 2,
  flapWindowMs: 60_000,
};

@Module({
  imports: [
    CircuitBreakerModule.forRoot({
      circuits: {
        payments: { trackLatency: true },
        search: {
          failureRateThreshold: 0.9,
          minimumThroughput: 5,
          windowMs: 5_000,
          trackLatency: true,
        },
        recommendations: {},
        'shipping-quotes': { failureThreshold: 1, resetTimeoutMs: 300 },
        'ledger.export': {},
        notifications: {},
        geocoding: {},
        'fx-rates': FLAPPY,
      },
      admin: { guards: [SessionGuard], statsIntervalMs: 100 },
    }),
  ],
  controllers: [StockController],
  providers: [InventoryClient],
})
export class ShopModule {}

/**
 * Calls that succeed and fail in a fixed pattern, so the sparklines have something to show;
 * the timed circuits' calls take a few milliseconds, now and then much longer.
 */
export function startTraffic(
  registry: CircuitBreakerRegistry,
  inventory: InventoryClient,
): () => void {
  let tick = 0;
  const noise = (i: number) => ((i * 2_654_435_761) % 1_000) / 1_000;
  const call = (name: string, fails: boolean, ms = 0) =>
    void registry
      .get(name)!
      .execute(async () => {
        if (ms > 0) await sleep(ms);
        if (fails) throw new Error('down');
        return 'ok';
      })
      .catch(() => undefined);
  const timer = setInterval(() => {
    tick++;
    call('payments', tick % 13 === 0, 4 + 20 * noise(tick + 1) + (tick % 17 === 0 ? 60 : 0));
    call('search', noise(tick) < 0.35 + 0.3 * Math.sin(tick / 12), 2 + 6 * noise(tick + 5));
    call('notifications', noise(tick + 7) < 0.08);
    if (tick % 3 === 0) call('geocoding', noise(tick + 3) < 0.2 + 0.2 * Math.cos(tick / 9));
    if (inventory.healthy) void inventory.stock().catch(() => undefined);
  }, 20);
  return () => clearInterval(timer);
}

/** Fails `failures` calls through `name`: its `failureThreshold` opens it. */
export async function trip(registry: CircuitBreakerRegistry, name: string, failures = 1) {
  const circuit = registry.get(name)!;
  for (let i = 0; i < failures; i++) {
    await circuit.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
  }
}
