// The official TypeScript SDK drives /mcp of a real memoryd: tools, add and search, errors,
// keys (read-only, space-scoped), sessions, transport rules, and data shared with REST.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, Server, createKey } from './harness.mjs';
import { REQUIRED_TOOLS, call, toolCases } from './tool_cases.mjs';

const ADMIN_KEY = 'mk_test_admin_' + 'x'.repeat(24);

async function connect(server, key = ADMIN_KEY) {
  const headers = key ? { Authorization: `Bearer ${key}` } : {};
  const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers } });
  const client = new Client({ name: 'memoryd-sdk-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

// One raw JSON-RPC POST to /mcp.
async function post(server, body, headers = {}) {
  return fetch(server.mcpUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
      Authorization: `Bearer ${ADMIN_KEY}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

describe('MCP over Streamable HTTP', () => {
  let server;
  let client;
  before(async () => {
    server = await new Server({ apiKey: ADMIN_KEY }).start();
    ({ client } = await connect(server));
  });
  after(async () => {
    await client?.close();
    await server?.stop();
  });

  it('lists every tool with a title, a description, schemas and hints', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const required of REQUIRED_TOOLS) assert.ok(names.includes(required), required);
    for (const extra of ['describe_space', 'list_tags', 'delete_tag']) assert.ok(names.includes(extra), extra);
    for (const tool of tools) {
      assert.ok(tool.title && tool.description.length > 40, tool.name);
      assert.equal(tool.inputSchema.type, 'object', tool.name);
      assert.equal(tool.outputSchema.type, 'object', tool.name);
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint']) {
        assert.equal(typeof tool.annotations[hint], 'boolean', `${tool.name} ${hint}`);
      }
    }
    // The README's tool table documents every tool, and no tool that is gone.
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    for (const name of names) assert.ok(readme.includes(`| \`${name}\` |`), `README lacks ${name}`);
    const section = readme.slice(readme.indexOf('### Tools'), readme.indexOf('### The HTTP transport'));
    const documented = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(documented.sort(), [...names].sort());
    const search = tools.find((t) => t.name === 'search_memories');
    assert.equal(search.annotations.readOnlyHint, true);
    assert.deepEqual(Object.keys(search.inputSchema.properties).sort(),
      ['explain', 'filters', 'min_score', 'query', 'space', 'top_k']);
    assert.equal(tools.find((t) => t.name === 'delete_space').annotations.destructiveHint, true);
  });

  describe('every tool', () => toolCases(() => client));

  it('adds memories and finds them by meaning and words', async () => {
    const added = await call(client, 'add_memory', {
      space: 'prefs', title: 'Editor preferences', tags: ['ui'], metadata: { source: 'chat' },
      text: 'The user prefers dark mode and Vim keybindings in all editors.' });
    assert.equal(added.isError, false);
    assert.equal(added.structuredContent.created, true);
    assert.equal(added.structuredContent.memory.space, 'prefs');
    await call(client, 'add_memory', { space: 'prefs', text: 'Lunch is usually at noon on weekdays.' });
    const found = await call(client, 'search_memories', { space: 'prefs', query: 'editor settings', top_k: 5 });
    const { memories } = found.structuredContent;
    assert.ok(memories.length >= 1);
    assert.equal(memories[0].id, added.structuredContent.memory.id);
    assert.ok(memories[0].score > 0 && memories[0].score <= 1);
    const filtered = await call(client, 'search_memories',
      { space: 'prefs', query: 'editor', filters: { tags: ['nope'] } });
    assert.equal(filtered.structuredContent.count, 0);
  });

  it('gets, updates and deletes one memory by id and by key', async () => {
    const added = await call(client, 'add_memory', { key: 'tz', text: 'The user lives in Lisbon (UTC+0).' });
    const { id } = added.structuredContent.memory;
    assert.equal((await call(client, 'get_memory', { id })).structuredContent.memory.key, 'tz');
    const updated = await call(client, 'update_memory', { key: 'tz', text: 'The user moved to Berlin.' });
    assert.equal(updated.structuredContent.memory.text, 'The user moved to Berlin.');
    assert.equal(updated.structuredContent.memory.id, id);
    const recent = await call(client, 'list_memories', { limit: 5 });
    assert.ok(recent.structuredContent.memories.some((m) => m.id === id));
    assert.equal((await call(client, 'delete_memory', { id })).structuredContent.deleted, true);
    const gone = await call(client, 'get_memory', { key: 'tz' });
    assert.equal(gone.isError, true);
    assert.match(gone.content[0].text, /not found/i);
  });

  it('answers bad arguments with isError and a message naming the argument', async () => {
    const cases = [
      [{ name: 'search_memories', arguments: { query: 'x', top_k: 500 } }, /top_k.*at most 100/],
      [{ name: 'search_memories', arguments: {} }, /'query' is required/],
      [{ name: 'add_memory', arguments: { text: 'x', colour: 'red' } }, /unknown argument 'colour'/],
      [{ name: 'add_memory', arguments: { text: 42 } }, /'text' must be a string/],
      [{ name: 'add_memory', arguments: { text: 'x', ttl_minutes: -5 } }, /ttl/i],
      [{ name: 'get_memory', arguments: {} }, /'id' or its 'key'/],
      [{ name: 'add_memory', arguments: { items: [{ key: 'a' }] } }, /items\[0\]\.text' is required/],
      [{ name: 'add_memory', arguments: { text: 'x', ttl_minutes: 0 } }, /'ttl_minutes' must be more than 0/],
    ];
    for (const [params, pattern] of cases) {
      const result = await client.callTool(params);
      assert.equal(result.isError, true, JSON.stringify(params));
      assert.match(result.content[0].text, pattern);
    }
  });

  it('answers an unknown tool and an unknown method with JSON-RPC errors', async () => {
    await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }),
      (e) => e instanceof McpError && e.code === -32602);
    const r = await post(server, { jsonrpc: '2.0', id: 7, method: 'server/discover' });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { jsonrpc: '2.0', id: 7, error: { code: -32601, message: 'method not found: server/discover' } });
  });

  it('shares data with the REST dialects', async () => {
    await call(client, 'add_memory', { key: 'shared', text: 'written over MCP' });
    const rest = await fetch(`${server.baseUrl}/api/rest/memory?key=shared`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal((await rest.json()).value, 'written over MCP');
    await fetch(`${server.baseUrl}/api/rest/memory`, { method: 'PUT',
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: 'from-rest', value: 'written over REST' }) });
    const got = await call(client, 'get_memory', { key: 'from-rest' });
    assert.equal(got.structuredContent.memory.text, 'written over REST');
  });

  it('requires a valid Bearer key, answering 401 with WWW-Authenticate', async () => {
    for (const auth of [undefined, 'Bearer wrong-key']) {
      const r = await fetch(server.mcpUrl, { method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) },
        body: JSON.stringify(INIT) });
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate'), /^Bearer/);
    }
    await assert.rejects(connect(server, 'wrong-key'));
  });

  it('enforces read-only and space-scoped keys per tool', async () => {
    const readOnly = await connect(server, createKey(server.dataDir, { readOnly: true }));
    const denied = await call(readOnly.client, 'add_memory', { text: 'not allowed' });
    assert.equal(denied.isError, true);
    assert.match(denied.content[0].text, /read-only/);
    assert.equal((await call(readOnly.client, 'describe_space')).isError, false);
    await readOnly.client.close();

    const scoped = await connect(server, createKey(server.dataDir, { space: 'alpha' }));
    const own = await call(scoped.client, 'add_memory', { key: 'a', text: 'in alpha' });
    assert.equal(own.structuredContent.memory.space, 'alpha');
    const other = await call(scoped.client, 'describe_space', { space: 'beta' });
    assert.equal(other.isError, true);
    assert.match(other.content[0].text, /Not allowed/);
    const spaces = (await call(scoped.client, 'list_spaces')).structuredContent.spaces.map((s) => s.name);
    assert.deepEqual(spaces, ['alpha']);
    await scoped.client.close();
  });

  it('keeps sessions: DELETE ends one, after which it gets 404', async () => {
    const { client: c, transport } = await connect(server);
    const id = transport.sessionId;
    assert.ok(id && id.length >= 32);
    await c.ping();
    await transport.terminateSession();
    const r = await post(server, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'Mcp-Session-Id': id });
    assert.equal(r.status, 404);
    const again = await fetch(server.mcpUrl, { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Mcp-Session-Id': id } });
    assert.equal(again.status, 404);
  });

  it('binds a session to the key that opened it', async () => {
    const { transport } = await connect(server);
    const otherKey = createKey(server.dataDir);
    const r = await post(server, { jsonrpc: '2.0', id: 2, method: 'ping' },
      { 'Mcp-Session-Id': transport.sessionId, Authorization: `Bearer ${otherKey}` });
    assert.equal(r.status, 404);
  });

  it('follows the transport rules: 202, 405, versions, Origin and Host', async () => {
    const note = await post(server, { jsonrpc: '2.0', method: 'notifications/initialized' });
    assert.equal(note.status, 202);
    assert.equal(await note.text(), '');
    const get = await fetch(server.mcpUrl, { headers: { Authorization: `Bearer ${ADMIN_KEY}`, Accept: 'text/event-stream' } });
    assert.equal(get.status, 405);
    const bad = await post(server, { jsonrpc: '2.0', id: 3, method: 'ping' }, { 'MCP-Protocol-Version': '1999-01-01' });
    assert.equal(bad.status, 400);
    for (const version of ['2025-11-25', '2025-06-18', '2025-03-26']) {
      const r = await post(server, { ...INIT, params: { ...INIT.params, protocolVersion: version } });
      assert.equal((await r.json()).result.protocolVersion, version);
    }
    const old = await post(server, { ...INIT, params: { ...INIT.params, protocolVersion: '2024-11-05' } });
    assert.equal((await old.json()).result.protocolVersion, '2025-11-25');
    const evil = await post(server, INIT, { Origin: 'https://evil.example.com' });
    assert.equal(evil.status, 403);
    const local = await post(server, INIT, { Origin: `http://localhost:${server.port}` });
    assert.equal(local.status, 200);
    const parse = await post(server, '{not json');
    assert.equal(parse.status, 400);
    assert.equal((await parse.json()).error.code, -32700);
  });
});

describe('one rate-limit budget for MCP and REST', () => {
  let server;
  before(async () => {
    server = await new Server({ apiKey: ADMIN_KEY, args: ['--rate-limit-per-minute', '4'] }).start();
  });
  after(async () => server?.stop());

  it('spends the same per-account budget', async () => {
    const { client } = await connect(server);
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${server.baseUrl}/api/rest/memories/count`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
      assert.equal(r.status, 200);
    }
    // initialize spent one, the two REST calls two: one tool call is left.
    assert.equal((await call(client, 'describe_space')).isError, false);
    const limited = await call(client, 'describe_space');
    assert.equal(limited.isError, true);
    assert.match(limited.content[0].text, /Rate limited.*Retry after \d+ seconds/);
    const rest = await fetch(`${server.baseUrl}/api/rest/memories/count`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(rest.status, 429);
    await client.close();
  });
});
