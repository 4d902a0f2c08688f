import type { DispatchInterceptor } from './undici-interceptor.js';

// undici's exports this file uses: loaded by the caller, only with `fetch: 'global'`.
interface UndiciDispatcher {
  compose(...interceptors: DispatchInterceptor[]): UndiciDispatcher;
  close?(): Promise<void>;
}
export interface Undici {
  Agent: new () => UndiciDispatcher;
  Dispatcher: abstract new (...args: never[]) => UndiciDispatcher;
  getGlobalDispatcher(): unknown;
  setGlobalDispatcher(dispatcher: unknown): void;
}

/**
 * Installs `interceptor` on undici's global dispatcher, which Node's own `fetch` uses (Node 20's
 * bundled undici 6 included: it calls the dispatcher, and undici 7's `compose()` turns its
 * handler into the form the interceptor reads). Composed onto the dispatcher already installed
 * when that is an undici 7 one (a proxy agent the app set), else onto a new `Agent`. Returns
 * what puts the previous dispatcher back.
 */
export function installOnGlobalDispatcher(
  undici: Undici,
  interceptor: DispatchInterceptor,
): () => Promise<void> {
  const previous = undici.getGlobalDispatcher();
  const own = previous instanceof undici.Dispatcher ? undefined : new undici.Agent();
  const base = own ?? (previous as UndiciDispatcher);
  const installed = base.compose(interceptor);
  undici.setGlobalDispatcher(installed);
  return async () => {
    if (undici.getGlobalDispatcher() === installed && previous !== undefined) {
      undici.setGlobalDispatcher(previous);
    }
    await own?.close?.();
  };
}
