// Harness for the MCP suites: starts the real memoryd binary on 127.0.0.1 with its own temporary
// data directory, waits for /healthz, and stops it with SIGTERM (which must exit 0).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = resolve(process.env.MEMORYD_BIN || join(REPO_ROOT, 'build', 'memoryd'));
const START_TIMEOUT_MS = Number(process.env.MEMORYD_START_TIMEOUT || 20) * 1000;

// Every temporary directory made here is removed when the test process exits.
const tempDirs = [];
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

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
  const args = ['key', 'create', '--data-dir', dataDir];
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
    const args = ['serve', '--data-dir', this.dataDir, '--listen', `127.0.0.1:${this.port}`, '--quiet'];
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
