/** Loads the optional peer an outbound option needs, or stops start-up saying how to install it. */
export async function loadOutboundPeer<T>(
  option: string,
  peer: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new Error(
      `CircuitBreakerModule: outbound.${option} needs ${peer}; install it: npm install ${peer}`,
      { cause: error },
    );
  }
}
