import { sep } from 'node:path';

/**
 * Records the timers the library starts (those created with a frame of lib/ on the stack,
 * unref()ed ones included, which process.getActiveResourcesInfo() does not list) until they
 * fire or are cleared.
 */
export function watchLibraryTimers(): { pending: Set<unknown>; restore: () => void } {
  const pending = new Set<unknown>();
  const real = { setTimeout, setInterval, clearTimeout, clearInterval };
  const library = `${sep}lib${sep}`;
  const fromLibrary = () =>
    (new Error().stack ?? '')
      .split('\n')
      .slice(3)
      .some((frame) => frame.includes(library) && !frame.includes('node_modules'));
  const start = (kind: 'setTimeout' | 'setInterval') =>
    ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const handle = real[kind](
        (...received: unknown[]) => {
          if (kind === 'setTimeout') pending.delete(handle);
          callback(...received);
        },
        ms,
        ...args,
      );
      if (fromLibrary()) pending.add(handle);
      return handle;
    }) as typeof setTimeout;
  const stop = (kind: 'clearTimeout' | 'clearInterval') => (handle: unknown) => {
    pending.delete(handle);
    real[kind](handle as NodeJS.Timeout);
  };
  Object.assign(globalThis, {
    setTimeout: start('setTimeout'),
    setInterval: start('setInterval'),
    clearTimeout: stop('clearTimeout'),
    clearInterval: stop('clearInterval'),
  });
  return { pending, restore: () => Object.assign(globalThis, real) };
}
