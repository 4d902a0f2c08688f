#!/usr/bin/env node
// `npm version <x.y.z>` runs this (package.json's "version" script) once package.json holds the
// new version: the changelog's [Unreleased] section becomes that version's, dated today, under a
// fresh empty [Unreleased]; npm then commits and tags both files.
//
//   node scripts/changelog-version.mjs [CHANGELOG.md] [version] [date]
import { readFileSync, writeFileSync } from 'node:fs';

const [file = 'CHANGELOG.md', version = process.env.npm_package_version, date] =
  process.argv.slice(2);
const day = date ?? new Date().toISOString().slice(0, 10);
if (!version || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) {
  throw new Error(`changelog-version: no version to release (got ${String(version)})`);
}
const text = readFileSync(file, 'utf8');
if (text.includes(`## [${version}]`)) {
  throw new Error(`changelog-version: ${file} already has a section for ${version}`);
}
const unreleased = '## [Unreleased]\n';
if (!text.includes(unreleased)) throw new Error(`changelog-version: ${file} has no [Unreleased]`);
// What announced the next version ("The next release is **x**…") has happened: it goes.
const released = text
  .replace(unreleased, `${unreleased}\n## [${version}] - ${day}\n`)
  .replace(/\n\nThe next release is \*\*[^*]+\*\*[^\n]*\n/, '\n');
writeFileSync(file, released);
