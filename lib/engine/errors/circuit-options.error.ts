import { inspect } from 'node:util';

/** A circuit's configuration is invalid. Thrown when the circuit is built: at start-up, never at call time. */
export class CircuitOptionsError extends Error {
  constructor(
    /** The circuit's name (as given, even when the name itself is what is wrong); empty for the module's own options. */
    readonly circuit: string,
    /** The option at fault. */
    readonly option: string,
    /** The value it was given. */
    readonly value: unknown,
    /** What a valid value looks like. */
    expected: string,
    /** What the option belongs to, as the message names it. */
    subject = `Circuit "${circuit}"`,
  ) {
    super(`${subject}: option "${option}" must be ${expected}, got ${describe(value)}`);
    this.name = 'CircuitOptionsError';
  }
}

function describe(value: unknown): string {
  return inspect(value, { depth: 1, breakLength: Infinity });
}
