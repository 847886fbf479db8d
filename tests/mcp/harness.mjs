// Harness for the MCP suites: starts the real memoryd binary on 127.0.0.1 with its own temporary
// data directory, waits for /healthz, and stops it with SIGTERM (which must exit 0).
//
// The store is SQLite (the file in the data directory) unless MEMORYD_TEST_BACKEND=postgres: then
// every data directory gets a fresh database of its own on the PostgreSQL server of
// MEMORYD_TEST_DATABASE_URL (tests/pg/with_cluster.sh), named by `--database` to every process
// on that directory (storeArgs), and dropped when the test process exits.
import { randomBytes } from 'node:crypto';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = resolve(process.env.MEMORYD_BIN || join(REPO_ROOT, 'build', 'memoryd'));
const START_TIMEOUT_MS = Number(process.env.MEMORYD_START_TIMEOUT || 20) * 1000;
export const BACKEND = process.env.MEMORYD_TEST_BACKEND || 'sqlite';
if (!['sqlite', 'postgres'].includes(BACKEND)) {
  throw new Error(`MEMORYD_TEST_BACKEND=${BACKEND}: expected sqlite or postgres`);
}
const DATABASE_SERVER = process.env.MEMORYD_TEST_DATABASE_URL;
if (BACKEND === 'postgres' && !DATABASE_SERVER) {
  throw new Error('MEMORYD_TEST_BACKEND=postgres needs MEMORYD_TEST_DATABASE_URL (tests/pg/with_cluster.sh)');
}

// Every temporary directory made here is removed when the test process exits, and every database
// dropped (FORCE: a server left running by a failed test does not keep it).
const tempDirs = [];
const databases = new Map(); // resolved data directory -> database name
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  if (databases.size === 0) return;
  const drops = [...databases.values()].flatMap((name) => ['-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
  try {
    execFileSync('psql', [DATABASE_SERVER, '-qX', ...drops], { stdio: 'ignore' });
  } catch {
    // best effort: the throwaway cluster goes away anyway
  }
});

function psql(statement) {
  execFileSync('psql', [DATABASE_SERVER, '-qX', '-v', 'ON_ERROR_STOP=1', '-c', statement],
    { stdio: ['ignore', 'ignore', 'pipe'] });
}

// A libpq URL naming another database (not WHATWG's URL: libpq's host may be empty, with
// ?host=/socket/dir).
function withDatabase(url, name) {
  const m = /^([a-z]+:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/.exec(url);
  if (!m) throw new Error(`not a libpq URL: ${url}`);
  return `${m[1]}/${name}${m[3] || ''}`;
}

// The flags naming dataDir's store: the SQLite file in it, or its own PostgreSQL database.
export function storeArgs(dataDir) {
  if (BACKEND !== 'postgres') return ['--data-dir', dataDir];
  const where = resolve(dataDir);
  if (!databases.has(where)) {
    const name = `memoryd_t_${randomBytes(6).toString('hex')}`;
    psql(`CREATE DATABASE ${name}`);
    databases.set(where, name);
  }
  return ['--data-dir', dataDir, '--database', withDatabase(DATABASE_SERVER, databases.get(where))];
}

export function tempDir(prefix = 'memoryd-mcp-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export async function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

// Runs `memoryd key create` and returns the printed key.
export function createKey(dataDir, { space, readOnly } = {}) {
  const args = ['key', 'create', ...storeArgs(dataDir)];
  if (space) args.push('--space', space);
  if (readOnly) args.push('--read-only');
  return execFileSync(BIN, args, { encoding: 'utf8' }).trim();
}

export class Server {
  constructor({ dataDir, apiKey, args = [] } = {}) {
    this.workDir = tempDir();
    this.dataDir = dataDir || join(this.workDir, 'data');
    this.apiKey = apiKey;
    this.args = args;
  }

  get baseUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  get mcpUrl() {
    return `${this.baseUrl}/mcp`;
  }

  async start() {
    this.port = await freePort();
    const args = ['serve', ...storeArgs(this.dataDir), '--listen', `127.0.0.1:${this.port}`, '--quiet'];
    if (this.apiKey) args.push('--api-key', this.apiKey);
    args.push(...this.args);
    this.logPath = join(this.workDir, 'server.stderr');
    const err = openSync(this.logPath, 'w');
    this.proc = spawn(BIN, args, { stdio: ['ignore', 'ignore', err] });
    this.exited = new Promise((res) => this.proc.once('exit', (code, signal) => res({ code, signal })));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`memoryd exited at start:\n${this.log()}`);
      try {
        const r = await fetch(`${this.baseUrl}/healthz`);
        if (r.status === 200) return this;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    this.proc.kill('SIGKILL');
    throw new Error(`memoryd did not become ready:\n${this.log()}`);
  }

  log() {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 20000);
    const { code } = await this.exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`memoryd exited with ${code} on SIGTERM:\n${this.log()}`);
  }
}
