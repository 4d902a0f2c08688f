import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { CIRCUIT_BREAKER_OPTIONS } from '../core/circuit-breaker.constants.js';
import { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import { protectAxios, type AxiosInstanceLike, type AxiosLike } from './axios-adapter.js';
import type { CircuitBreakerOutboundOptions } from './circuit-breaker-outbound-options.interface.js';
import { installOnGlobalDispatcher, type Undici } from './global-fetch.js';
import { loadPeer } from '../core/load-peer.js';
import { OutboundCircuits } from './outbound-circuits.js';
import {
  resolveOutboundOptions,
  type ResolvedOutboundOptions,
} from './resolve-outbound-options.js';

/** The token under which `HttpModule` (and each `HttpModule.register()`) provides its axios instance. */
const AXIOS_INSTANCE_TOKEN = 'AXIOS_INSTANCE_TOKEN';

/**
 * The module's `outbound` option: at module init it protects every `HttpService`'s axios
 * instance (`httpService: true`) and wraps the global dispatcher in a circuit breaker one
 * (`fetch: 'global'`); at shutdown it undoes both. Without the option it does nothing and loads
 * nothing.
 */
@Injectable()
export class CircuitBreakerOutbound implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CircuitBreakerOutbound');
  private readonly options: ResolvedOutboundOptions | undefined;
  /** The origin circuits, when the option is given. */
  circuits: OutboundCircuits | undefined;
  private readonly undo: Array<() => void | Promise<void>> = [];

  constructor(
    private readonly registry: CircuitBreakerRegistry,
    private readonly discovery: DiscoveryService,
    @Inject(CIRCUIT_BREAKER_OPTIONS) moduleOptions: { outbound?: CircuitBreakerOutboundOptions },
  ) {
    // Checked here, at start-up: a mistake stops the application before any call is made.
    const given = moduleOptions?.outbound;
    this.options = given === undefined ? undefined : resolveOutboundOptions(given);
  }

  async onModuleInit(): Promise<void> {
    const options = this.options;
    if (options === undefined) return;
    const circuits = (this.circuits = new OutboundCircuits(this.registry, options));
    if (options.httpService) {
      const axios = await loadPeer('outbound.httpService', 'axios', () => import('axios'));
      let protectedInstances = 0;
      for (const instance of this.axiosInstances()) {
        const undo = protectAxios(instance, circuits, axios.default as unknown as AxiosLike);
        if (undo !== undefined) {
          this.undo.push(undo);
          protectedInstances++;
        }
      }
      if (protectedInstances === 0) {
        this.logger.warn('outbound.httpService: no HttpService found (is HttpModule imported?)');
      }
    }
    if (options.fetch === 'global') {
      const undici = await loadPeer('outbound.fetch', 'undici', () => import('undici'));
      this.undo.push(installOnGlobalDispatcher(undici as unknown as Undici, circuits));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    for (const undo of this.undo.splice(0).reverse()) await undo();
    this.circuits?.clear();
  }

  /**
   * Every axios instance an `HttpService` uses: each `HttpModule`'s (request-scoped `HttpService`s
   * share their module's), and any `HttpService` built with one of its own.
   */
  private axiosInstances(): Set<AxiosInstanceLike> {
    const found = new Set<AxiosInstanceLike>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.isDependencyTreeStatic() ? wrapper.instance : undefined;
      if (wrapper.token === AXIOS_INSTANCE_TOKEN && isAxiosInstance(instance)) found.add(instance);
      const axiosRef: unknown = (instance as { axiosRef?: unknown } | undefined)?.axiosRef;
      if (isAxiosInstance(axiosRef)) found.add(axiosRef);
    }
    return found;
  }
}

function isAxiosInstance(value: unknown): value is AxiosInstanceLike {
  return (
    typeof value === 'function' &&
    typeof (value as { defaults?: unknown }).defaults === 'object' &&
    typeof (value as { interceptors?: { request?: unknown } }).interceptors?.request === 'object'
  );
}
