import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

export type Adapter = 'express' | 'fastify';

export interface RunningApp {
  app: INestApplication;
  /** Base URL on an ephemeral loopback port. */
  url: string;
  get<T>(type: Type<T>): T;
  close(): Promise<void>;
}

/** Starts `module` as a real HTTP application on 127.0.0.1 and an ephemeral port. */
export async function startApp(module: Type, adapter: Adapter = 'express'): Promise<RunningApp> {
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(module, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(module, { logger: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, get: (type) => app.get(type), close: () => app.close() };
}
