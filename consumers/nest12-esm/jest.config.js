/** Jest in ESM mode (NestJS 12 is ESM-only): `NODE_OPTIONS=--experimental-vm-modules`, ts-jest `useESM`. */
export default {
  testEnvironment: 'node',
  // Each run of the consumers may test a new build of the library: no transform cache to go stale.
  cache: false,
  rootDir: '.',
  testRegex: '\\.e2e-spec\\.ts$',
  moduleFileExtensions: ['js', 'json', 'ts'],
  extensionsToTreatAsEsm: ['.ts'],
  // The sources import `./x.js` (as Node's ESM resolution wants); Jest finds `./x.ts`.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
};
