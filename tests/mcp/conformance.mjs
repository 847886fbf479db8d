// Runs the official MCP conformance suite (@modelcontextprotocol/conformance) against /mcp of a
// real memoryd, with every scenario of every suite. Scenarios that need the suite's own fixtures
// are listed, with the reason, in conformance-expected-failures.yml; any other failure, or a
// listed scenario that starts passing, fails this run.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Server, tempDir } from './harness.mjs';

const here = import.meta.dirname;
// The suite's clients send no credentials: it is run the way a local MCP server is run.
const server = await new Server({ args: ['--no-auth'] }).start();
let status = 1;
try {
  const cli = join(here, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
  const run = spawnSync(
    process.execPath,
    [cli, 'server', '--url', server.mcpUrl, '--suite', 'all',
     '--expected-failures', join(here, 'conformance-expected-failures.yml'),
     '--output-dir', tempDir('memoryd-conformance-')],
    { encoding: 'utf8', timeout: 600_000 });
  const out = (run.stdout || '') + (run.stderr || '');
  const summary = out.indexOf('=== SUMMARY ===');
  process.stdout.write(summary >= 0 ? out.slice(summary) : out);
  status = run.status ?? 1;
} finally {
  await server.stop();
}
process.exit(status);
