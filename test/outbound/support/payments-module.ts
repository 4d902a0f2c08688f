import { HttpModule, HttpService } from '@nestjs/axios';
import { Injectable, Module } from '@nestjs/common';

/** A feature module's client over an HttpModule.register() instance of its own. */
@Injectable()
export class PaymentsClient {
  constructor(readonly http: HttpService) {}
}

@Module({
  imports: [HttpModule.register({ timeout: 10_000 })],
  providers: [PaymentsClient],
  exports: [PaymentsClient],
})
export class PaymentsModule {}
