import { Module, type INestApplication, type ModuleMetadata, type Type } from '@nestjs/common';
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
  const app = await createApp(module, adapter);
  outlastClientKeepAlive(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, get: (type) => app.get(type), close: () => app.close() };
}

/**
 * What starting `module` as a real HTTP application fails with (Nest's creation, `init()` or
 * `listen()`), or `undefined` when it starts (the app is then closed again).
 */
export async function startupError(module: Type, adapter: Adapter = 'express'): Promise<unknown> {
  let app: INestApplication | undefined;
  try {
    app = await createApp(module, adapter);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app?.close().catch(() => {});
    return error;
  }
  await app.close();
  return undefined;
}

/**
 * Keeps the app's idle connections open longer than a client keeps them (undici: 4 s), so that
 * the client always closes first. With Node's default 5 s, a test whose client sat idle that
 * long on a loaded machine could send on a connection the server was closing: ECONNRESET.
 */
export function outlastClientKeepAlive(app: INestApplication): void {
  (app.getHttpServer() as { keepAliveTimeout: number }).keepAliveTimeout = 60_000;
}

/** A root module made of `metadata`, for an app built inside a test. */
export function moduleOf(metadata: ModuleMetadata): Type {
  @Module(metadata)
  class TestAppModule {}
  return TestAppModule;
}

/** JSON body of a response, typed loosely for `toMatchObject`. */
export async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

/** Waits `ms` of real time. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function createApp(module: Type, adapter: Adapter): Promise<INestApplication> {
  // abortOnError: false, or Nest ends the process on a failed creation instead of throwing.
  const options = { logger: false, abortOnError: false } as const;
  return adapter === 'fastify'
    ? NestFactory.create(module, new FastifyAdapter(), options)
    : NestFactory.create(module, options);
}
