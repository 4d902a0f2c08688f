/** ESM Jest: NestJS 12 is ESM-only, so tests run as ES modules (see package.json's test script). */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // The sample app imports the library by its package name, as a user would.
    '^nestjs-circuit-breaker$': '<rootDir>/lib/index.ts',
    '^nestjs-circuit-breaker/engine$': '<rootDir>/lib/engine/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
};
