// The official TypeScript SDK drives `memoryd mcp` over stdio, and a `memoryd serve` shares its
// data directory: two processes, one store.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { BIN, Server, storeArgs, tempDir } from './harness.mjs';
import { toolCases } from './tool_cases.mjs';
import { fetchToolsList, measure } from './tools_list_size.mjs';

const KEY = 'mk_test_stdio_' + 'y'.repeat(24);

async function connectStdio(dataDir, space) {
  const args = ['mcp', ...storeArgs(dataDir)];
  if (space) args.push('--space', space);
  const transport = new StdioClientTransport({ command: BIN, args, stderr: 'pipe' });
  const client = new Client({ name: 'memoryd-stdio-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function eventually(check, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('MCP over stdio', () => {
  let dataDir;
  let client;
  let server;
  before(async () => {
    dataDir = join(tempDir(), 'data');
    client = await connectStdio(dataDir, 'notes');
    server = await new Server({ dataDir, apiKey: KEY }).start();
  });
  after(async () => {
    await client?.close();
    await server?.stop();
  });

  it('lists the tools and adds and searches in the --space space', async () => {
    const { tools } = await client.listTools();
    assert.ok(tools.length >= 8);
    const added = await client.callTool({ name: 'add_memory',
      arguments: { text: 'The build server is called atlas and runs Debian 12.' } });
    assert.equal(added.isError, false);
    assert.equal(added.structuredContent.memory.space, 'notes');
    const found = await client.callTool({ name: 'search_memories', arguments: { query: 'which machine builds' } });
    assert.equal(found.structuredContent.memories[0].id, added.structuredContent.memory.id);
  });

  it('answers errors as over HTTP', async () => {
    const bad = await client.callTool({ name: 'list_memories', arguments: { limit: 0 } });
    assert.equal(bad.isError, true);
    assert.match(bad.content[0].text, /'limit' must be at least 1/);
    await assert.rejects(client.callTool({ name: 'nope', arguments: {} }),
      (e) => e instanceof McpError && e.code === -32602);
  });

  it('shares one data directory with memoryd serve', async () => {
    await client.callTool({ name: 'add_memory', arguments: { key: 'from-stdio', text: 'hello from stdio' } });
    const auth = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
    const rest = await fetch(`${server.baseUrl}/api/rest/memory?key=from-stdio&space=notes`, { headers: auth });
    assert.equal((await rest.json()).value, 'hello from stdio');
    await fetch(`${server.baseUrl}/mcp/addMemory`, { method: 'POST', headers: auth,
      body: JSON.stringify({ space: 'notes', key: 'from-http', text: 'The office wifi password rotates every Monday.' }) });
    const got = await client.callTool({ name: 'get_memory', arguments: { key: 'from-http' } });
    assert.equal(got.structuredContent.memory.text, 'The office wifi password rotates every Monday.');
    // The other process's write becomes searchable once this process's index follows the store.
    const searchable = await eventually(async () => {
      const r = await client.callTool({ name: 'search_memories', arguments: { query: 'wifi password' } });
      return r.structuredContent.memories.some((m) => m.key === 'from-http');
    });
    assert.ok(searchable, 'a memory written by memoryd serve never became searchable over stdio');
  });
});

describe('every tool over stdio', () => {
  let client;
  before(async () => {
    client = await connectStdio(join(tempDir(), 'data'));
  });
  after(async () => client?.close());
  toolCases(() => client);
});

describe('the tool list a model is shown', () => {
  it('stays within 14 tools and 16,000 bytes, and describes space once, in the instructions', async () => {
    const { initialize, toolsList } = await fetchToolsList();
    const size = measure(toolsList);
    assert.ok(toolsList.tools.length <= 14, `${toolsList.tools.length} tools`);
    assert.ok(size.bytes <= 16000, `tools/list is ${size.bytes} bytes (${size.o200k} o200k tokens)`);
    assert.match(initialize.instructions, /space/);
    for (const tool of toolsList.tools) {
      const space = tool.inputSchema.properties.space;
      if (space) assert.equal(space.description, undefined, tool.name);
    }
  });
});

describe('memoryd mcp stdout', () => {
  it('carries protocol messages only, one per line, and never answers notifications', async () => {
    const proc = spawn(BIN, ['mcp', ...storeArgs(join(tempDir(), 'data'))], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const lines = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'server/discover' },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9 } },
    ].map((m) => JSON.stringify(m));
    proc.stdin.end([...lines, 'not json', ''].join('\n'));
    const code = await new Promise((r) => proc.on('exit', r));
    assert.equal(code, 0, stderr);
    const answers = stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(answers.map((a) => a.id), [1, 2, null]);
    assert.equal(answers[0].result.protocolVersion, '2025-03-26');
    assert.equal(answers[1].error.code, -32601);
    assert.equal(answers[2].error.code, -32700);
    assert.match(stderr, /serving MCP over stdio/);
  });
});
