import { NotFoundException } from '@nestjs/common';

/** A registry command named a circuit the registry does not hold. An HTTP 404 for NestJS. */
export class UnknownCircuitError extends NotFoundException {
  constructor(readonly circuit: string) {
    super(`No circuit named "${circuit}"`);
  }
}
