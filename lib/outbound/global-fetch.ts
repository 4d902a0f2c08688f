import {
  outboundDispatcher,
  type DispatcherClass,
  type UndiciDispatcherLike,
} from './circuit-breaker-dispatcher.js';
import type { OutboundCircuits } from './outbound-circuits.js';

// undici's exports this file uses: loaded by the caller, only with `fetch: 'global'`.
export interface Undici {
  Agent: new () => UndiciDispatcherLike;
  Dispatcher: DispatcherClass;
  getGlobalDispatcher(): unknown;
  setGlobalDispatcher(dispatcher: unknown): void;
}

/**
 * Installs a dispatcher that puts each request through `circuits` on undici's global dispatcher,
 * which Node's own `fetch` uses (Node 20's bundled undici 6 included: it calls the dispatcher
 * with a legacy handler, observed as such). It wraps the dispatcher already installed when that
 * is an undici 7 one (a proxy agent the app set), else a new `Agent`. Returns what puts the
 * previous dispatcher back (and closes the `Agent` made here).
 */
export function installOnGlobalDispatcher(
  undici: Undici,
  circuits: OutboundCircuits,
): () => Promise<void> {
  const previous = undici.getGlobalDispatcher();
  const own = previous instanceof undici.Dispatcher ? undefined : new undici.Agent();
  const installed = outboundDispatcher(
    undici.Dispatcher,
    own ?? (previous as UndiciDispatcherLike),
    circuits,
  );
  undici.setGlobalDispatcher(installed);
  return async () => {
    if (undici.getGlobalDispatcher() === installed && previous !== undefined) {
      undici.setGlobalDispatcher(previous);
    }
    await own?.close();
  };
}
