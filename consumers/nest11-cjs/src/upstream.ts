import { Injectable } from '@nestjs/common';

export type Service = 'inventory' | 'prices';

/**
 * Stands in for the remote services this app depends on (over HTTP in a real app): a test takes
 * one down, and counts the calls that reached it.
 */
@Injectable()
export class Upstream {
  private readonly down = new Set<Service>();
  private readonly calls = new Map<Service, number>();

  setDown(service: Service, down: boolean): void {
    if (down) this.down.add(service);
    else this.down.delete(service);
  }

  callsTo(service: Service): number {
    return this.calls.get(service) ?? 0;
  }

  async call<T>(service: Service, answer: T): Promise<T> {
    this.calls.set(service, this.callsTo(service) + 1);
    if (this.down.has(service)) throw new Error(`${service} is unreachable`);
    return answer;
  }
}
