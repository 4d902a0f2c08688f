import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { ADMIN_CIRCUIT_NAME } from './circuit-breaker-admin.constants.js';

/**
 * Lets through only names the admin API accepts (`^[\w.:-]{1,128}$`), answering 400 otherwise.
 * A well-formed name that is no circuit's, `__proto__` included, is the registry's 404.
 */
@Injectable()
export class CircuitNamePipe implements PipeTransform<unknown, string> {
  transform(name: unknown): string {
    if (typeof name !== 'string' || !ADMIN_CIRCUIT_NAME.test(name)) {
      throw new BadRequestException(
        'A circuit name is 1 to 128 letters, digits and the characters _ . : -',
      );
    }
    return name;
  }
}
