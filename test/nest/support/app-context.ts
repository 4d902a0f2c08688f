import type { INestApplicationContext, ModuleMetadata } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/** A real Nest application context (no HTTP) for `metadata`, initialized. */
export async function startContext(metadata: ModuleMetadata): Promise<INestApplicationContext> {
  @Module(metadata)
  class TestModule {}
  const app = await NestFactory.createApplicationContext(TestModule, {
    logger: false,
    abortOnError: false,
  });
  return app.init();
}
