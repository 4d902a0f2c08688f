import { fileURLToPath } from 'node:url';
import { runDemo } from './run-demo.js';
import { wantsColor } from './timeline.js';

/**
 * `npm run demo`: about 20 seconds, by itself. `--speed=N` tells the same story N times
 * faster. Colours on a terminal; NO_COLOR=1 turns them off, FORCE_COLOR=1 on.
 */
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: npm run demo [-- --speed=N]    (N > 0, default 1: about 20 s)');
  process.exit(0);
}
const speedArg = args.find((arg) => arg.startsWith('--speed='));
const speed = speedArg === undefined ? 1 : Number(speedArg.slice('--speed='.length));
if (!Number.isFinite(speed) || speed <= 0) {
  console.error(`--speed must be a number > 0, got ${speedArg}`);
  process.exit(2);
}

let stopping = false;
const code = await new Promise<number>((resolve) => {
  // Ctrl-C: the app is stopped on the way out, by runDemo's cleanup or by the exit hook.
  process.once('SIGINT', () => {
    stopping = true;
    resolve(130);
  });
  runDemo({
    appEntry: fileURLToPath(new URL('../sample-app/main.js', import.meta.url)),
    speed,
    color: wantsColor(process.stdout, process.env),
  }).then(resolve, (error: unknown) => {
    console.error(error);
    resolve(1);
  });
});
process.exitCode = code;
if (stopping) process.exit(code);
// Anything left open (a keep-alive socket) must not hold the exit.
setTimeout(() => process.exit(code), 2_000).unref();
