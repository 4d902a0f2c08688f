/** Jest in CommonJS mode, as `nest new` sets it up: ts-jest compiles each file to CommonJS. */
module.exports = {
  testEnvironment: 'node',
  // Each run of the consumers may test a new build of the library: no transform cache to go stale.
  cache: false,
  rootDir: '.',
  // The consumer's own e2e test, and the README's Quick start test (run.mjs puts it in src/).
  testRegex: '\\.(e2e-)?spec\\.ts$',
  moduleFileExtensions: ['js', 'json', 'ts'],
  // The README's files import `./x.js`, as ES modules must; CommonJS Jest finds `./x.ts` with this
  // line, which the docs' troubleshooting page tells users to add.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': 'ts-jest' },
};
