/**
 * Loads the optional peer an option needs (prom-client, @opentelemetry/api, axios, undici…), or
 * stops start-up saying how to install it. Each optional part loads its peer this way, only when
 * its option is used.
 */
export async function loadPeer<T>(
  option: string,
  peer: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new Error(
      `CircuitBreakerModule: the ${option} option needs ${peer}; install it: npm install ${peer}`,
      { cause: error },
    );
  }
}
