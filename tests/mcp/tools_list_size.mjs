// What the tool list costs a model: the size of the tools/list result of `memoryd mcp`, as
// compact JSON bytes and as tokens of two common tokenizers (cl100k_base and o200k_base). Every
// agent pays this in context on every turn, so tests hold it under a budget and
// docs/BENCHMARKS.md records it.
//
//   node tools_list_size.mjs          prints the figures
//   node tools_list_size.mjs --json   prints them as one JSON object
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getEncoding } from 'js-tiktoken';
import { BIN, storeArgs, tempDir } from './harness.mjs';

// Runs `memoryd mcp` on a fresh data directory, asks initialize and tools/list over stdio, and
// returns both results as the server sent them.
export async function fetchToolsList() {
  const proc = spawn(BIN, ['mcp', ...storeArgs(join(tempDir(), 'data'))],
    { stdio: ['pipe', 'pipe', 'ignore'] });
  let stdout = '';
  proc.stdout.on('data', (d) => { stdout += d; });
  const messages = [
    { jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'size', version: '1' } } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
  ];
  proc.stdin.end(messages.map((m) => JSON.stringify(m)).join('\n') + '\n');
  const code = await new Promise((r) => proc.on('exit', r));
  if (code !== 0) throw new Error(`memoryd mcp exited with ${code}`);
  const answers = stdout.trim().split('\n').map((line) => JSON.parse(line));
  const byId = (id) => answers.find((a) => a.id === id).result;
  return { initialize: byId(1), toolsList: byId(2) };
}

// Bytes and tokens of a value written as compact JSON.
export function measure(value) {
  const text = JSON.stringify(value);
  return {
    bytes: Buffer.byteLength(text, 'utf8'),
    cl100k: getEncoding('cl100k_base').encode(text).length,
    o200k: getEncoding('o200k_base').encode(text).length,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { toolsList } = await fetchToolsList();
  const size = { tools: toolsList.tools.length, ...measure(toolsList) };
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(size));
  } else {
    console.log(`tools/list: ${size.tools} tools, ${size.bytes} bytes, ` +
      `${size.cl100k} tokens (cl100k_base), ${size.o200k} tokens (o200k_base)`);
  }
}
