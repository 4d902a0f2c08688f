/** Jest in CommonJS mode, as `nest new` sets it up: ts-jest compiles each file to CommonJS. */
module.exports = {
  testEnvironment: 'node',
  // Each run of the consumers may test a new build of the library: no transform cache to go stale.
  cache: false,
  rootDir: '.',
  testRegex: '\\.e2e-spec\\.ts$',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
};
