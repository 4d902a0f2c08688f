import { Injectable, type OnModuleInit } from '@nestjs/common';
import { presentErrorsAsHttpExceptions } from './circuit-http-exceptions.js';

/**
 * Once an app with the module starts, the circuits of this process refuse and time out with the
 * `HttpException` forms of their errors (503, 504), so that Nest, and any filter of the app's
 * own, answers them as such. Process-wide: the engine has no framework to ask.
 */
@Injectable()
export class CircuitErrorForms implements OnModuleInit {
  onModuleInit(): void {
    presentErrorsAsHttpExceptions();
  }
}
