import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { killProcess, startRedisServer, whenThisProcessEnds } from '../../../bench/redis-server.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);

/** How long a node may be unreachable before the others mark it failed: short, for fast tests. */
const NODE_TIMEOUT_MS = 500;

/**
 * A real three-master Redis Cluster (no replicas) on free loopback ports, its files in a temp
 * dir. `stop()` kills every node it started and removes the dir; a process that ends without it
 * still does both (see `whenThisProcessEnds`).
 */
export class RedisCluster {
  private readonly nodes = new Map<number, ChildProcess>();

  /** Removes the dir if this process ends before `stop()`. */
  private readonly removeDirAtExit: () => void;

  private constructor(
    readonly ports: readonly number[],
    private readonly dir: string,
  ) {
    this.removeDirAtExit = whenThisProcessEnds(`rm -rf '${dir}'`);
  }

  static async start(): Promise<RedisCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'redis-cluster-'));
    const cluster = new RedisCluster(await freeClusterPorts(3), dir);
    try {
      for (const port of cluster.ports) await cluster.startNode(port);
      await run('redis-cli', [
        '--cluster',
        'create',
        ...cluster.ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      await cluster.waitUntilOk();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The port of the master that holds `key`'s slot. */
  async masterOf(key: string): Promise<number> {
    const slot = Number(await this.cli(this.ports[0]!, 'cluster', 'keyslot', key));
    for (const port of this.nodes.keys()) {
      const lines = (await this.cli(port, 'cluster', 'nodes')).split('\n');
      const self = lines.find((line) => line.includes('myself'))!;
      // <id> <addr> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges…>
      for (const range of self.split(' ').slice(8)) {
        const [from, to = from] = range.split('-').map(Number);
        if (slot >= from! && slot <= to!) return port;
      }
    }
    throw new Error(`no master holds slot ${slot}`);
  }

  /** Kills one master, as a crash would: its slots have no master until it is back. */
  async killNode(port: number): Promise<void> {
    const child = this.nodes.get(port);
    this.nodes.delete(port);
    if (child !== undefined) await killProcess(child);
  }

  /** Starts a killed master again (empty: no persistence); it takes its slots back. */
  async restartNode(port: number): Promise<void> {
    await this.startNode(port);
    await this.waitUntilOk();
  }

  /** Waits until every running node says `cluster_state:ok`. */
  async waitUntilOk(): Promise<void> {
    let ok = false;
    const check = async () => {
      const states = await Promise.all(
        [...this.nodes.keys()].map((port) => this.cli(port, 'cluster', 'info').catch(() => '')),
      );
      ok = states.every((info) => info.includes('cluster_state:ok'));
    };
    await waitFor(() => ok, 'cluster_state:ok on every node', 30_000, check);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.keys()].map((port) => this.killNode(port)));
    await rm(this.dir, { recursive: true, force: true });
    this.removeDirAtExit();
  }

  private async startNode(port: number): Promise<void> {
    const child = await startRedisServer([
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--cluster-node-timeout',
      String(NODE_TIMEOUT_MS),
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    this.nodes.set(port, child);
  }

  private async cli(port: number, ...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
    return stdout.trim();
  }
}

/**
 * `count` ports that are free along with their cluster bus port (port + 10 000). Random in a
 * range below the usual ephemeral ports, so that the bus port stays a valid one.
 */
async function freeClusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (ports.includes(port)) continue;
    if ((await isFree(port)) && (await isFree(port + 10_000))) ports.push(port);
  }
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
