/** How badly the inventory service behaves right now: changed at run time through its API. */
export class Chaos {
  constructor(
    public failureRate: number,
    public latencyMs: number,
  ) {}

  update({ failureRate, latencyMs }: { failureRate?: unknown; latencyMs?: unknown }): void {
    if (failureRate !== undefined) this.failureRate = bounded('failureRate', failureRate, 0, 1);
    if (latencyMs !== undefined) this.latencyMs = bounded('latencyMs', latencyMs, 0, 60_000);
  }

  shouldFail(): boolean {
    return Math.random() < this.failureRate;
  }
}

function bounded(name: string, value: unknown, min: number, max: number): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < min || number > max) {
    throw new RangeError(
      `${name} must be a number in [${min}, ${max}], got ${JSON.stringify(value)}`,
    );
  }
  return number;
}
