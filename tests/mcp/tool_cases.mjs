// Every tool, driven through the official SDK client: the same cases run over Streamable HTTP
// (sdk_http.test.mjs) and stdio (sdk_stdio.test.mjs). Each case works in its own space, except
// where it checks what a call that names no space does.
import assert from 'node:assert/strict';
import { it } from 'node:test';

export const REQUIRED_TOOLS = ['add_memory', 'search_memories', 'list_memories', 'get_memory',
  'update_memory', 'delete_memory', 'list_spaces', 'delete_space'];
export const MAX_TOOLS = 14;
export const MAX_TOOLS_LIST_BYTES = 16000;

// Calls a tool and checks the result's shape: structuredContent and the same JSON as text.
export async function call(client, name, args = {}) {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.content[0].type, 'text');
  if (!result.isError) assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent);
  return result;
}

function errorText(result) {
  assert.equal(result.isError, true, JSON.stringify(result));
  return result.content[0].text;
}

async function count(client, space) {
  const r = await call(client, 'describe_space', space ? { space } : {});
  return r.structuredContent.memoryCount;
}

// Registers the cases; `client()` returns the connected client when a case runs.
export function toolCases(client) {
  it('keeps the tool list small: at most 14 tools and 16,000 bytes', async () => {
    const { tools } = await client().listTools();
    assert.ok(tools.length <= MAX_TOOLS, `${tools.length} tools`);
    const bytes = Buffer.byteLength(JSON.stringify({ tools }), 'utf8');
    assert.ok(bytes <= MAX_TOOLS_LIST_BYTES, `tools/list is ${bytes} bytes`);
    const names = tools.map((t) => t.name);
    for (const required of REQUIRED_TOOLS) assert.ok(names.includes(required), required);
  });

  it('add_memory stores one memory, replaces by key, and stores several items', async () => {
    const c = client();
    const one = await call(c, 'add_memory', { space: 'add', key: 'k', text: 'The first version.' });
    assert.equal(one.structuredContent.created, true);
    const again = await call(c, 'add_memory', { space: 'add', key: 'k', text: 'The second version.' });
    assert.equal(again.structuredContent.created, false);
    assert.equal(again.structuredContent.memory.id, one.structuredContent.memory.id);
    const bulk = await call(c, 'add_memory', { space: 'add',
      items: [{ key: 'a', text: 'alpha' }, { key: 'b', text: 'beta', ttl_minutes: 60 }] });
    assert.deepEqual([bulk.structuredContent.storedCount, bulk.structuredContent.errorCount], [2, 0]);
    assert.equal(await count(c, 'add'), 3);
    assert.match(errorText(await call(c, 'add_memory', { space: 'add' })), /'text' is required/);
  });

  it('search_memories finds by meaning, drops score-0 results and honours min_score', async () => {
    const c = client();
    const vim = await call(c, 'add_memory', { space: 'find',
      text: 'The user prefers dark mode and Vim keybindings in all editors.' });
    await call(c, 'add_memory', { space: 'find', text: 'Emacs keybindings are used by the other team.' });
    await call(c, 'add_memory', { space: 'find', text: 'Lunch is usually at noon on weekdays.' });
    await call(c, 'add_memory', { space: 'find', text: 'Invoices are archived for seven years.' });
    const all = await call(c, 'search_memories', { space: 'find', query: 'Vim keybindings', top_k: 10 });
    const { memories } = all.structuredContent;
    assert.equal(memories[0].id, vim.structuredContent.memory.id);
    assert.ok(memories.length >= 2, JSON.stringify(memories));
    for (const m of memories) assert.ok(m.score > 0 && m.score <= 1, `score ${m.score}`);
    // Scores are shown to three decimals: a threshold just under the best keeps the best.
    const threshold = memories[0].score - 0.001;
    const strong = await call(c, 'search_memories',
      { space: 'find', query: 'Vim keybindings', top_k: 10, min_score: threshold });
    assert.ok(strong.structuredContent.memories.length >= 1);
    assert.ok(strong.structuredContent.memories.length < memories.length);
    for (const m of strong.structuredContent.memories) assert.ok(m.score >= threshold);
    for (const bad of [1.5, -0.1, 'high']) {
      const r = await call(c, 'search_memories', { space: 'find', query: 'x', min_score: bad });
      assert.match(errorText(r), /'min_score'/);
    }
  });

  it('search_memories explains its scores when asked', async () => {
    const c = client();
    const trip = await call(c, 'add_memory', { space: 'explain',
      text: 'We drove the new sedan to Lyon for the weekend.' });
    await call(c, 'add_memory', { space: 'explain', text: 'Invoices are archived for seven years.' });
    const plain = await call(c, 'search_memories', { space: 'explain', query: 'car trip to France' });
    assert.equal(plain.structuredContent.memories[0].id, trip.structuredContent.memory.id);
    assert.equal(plain.structuredContent.memories[0].explain, undefined);
    const r = await call(c, 'search_memories',
      { space: 'explain', query: 'car trip to France', explain: true });
    const best = r.structuredContent.memories[0];
    assert.equal(best.id, trip.structuredContent.memory.id);
    const e = best.explain;
    const { keywordWeight, vectorWeight } = e.fusion;
    assert.ok(Math.abs(keywordWeight + vectorWeight - 1) < 0.002, JSON.stringify(e.fusion));
    assert.ok(Math.abs(keywordWeight * e.keyword + vectorWeight * e.vector - best.score) < 0.003,
      JSON.stringify({ score: best.score, e }));
    const links = e.concepts.map((x) => `${x.query}>${x.concept}<${x.memory}:${x.memoryLink}`);
    assert.ok(links.includes('car>car<sedan:broader'), links.join(' '));
    assert.ok(links.includes('france>france<lyon:part-of'), links.join(' '));
    for (const bad of ['yes', 1, []]) {
      const wrong = await call(c, 'search_memories', { space: 'explain', query: 'car', explain: bad });
      assert.match(errorText(wrong), /'explain'/);
    }
  });

  it('list_memories pages, and filters by text and by tags', async () => {
    const c = client();
    await call(c, 'add_memory', { space: 'list', key: 'a', text: 'The Berlin office', tags: ['x', 'y'] });
    await call(c, 'add_memory', { space: 'list', key: 'b', text: 'The Lisbon office', tags: ['x'] });
    const page = await call(c, 'list_memories', { space: 'list', limit: 1 });
    assert.equal(page.structuredContent.memories.length, 1);
    const rest = await call(c, 'list_memories',
      { space: 'list', limit: 5, cursor: page.structuredContent.nextCursor });
    assert.equal(rest.structuredContent.memories.length, 1);
    assert.equal(rest.structuredContent.nextCursor, null);
    const text = await call(c, 'list_memories', { space: 'list', contains: 'LISBON' });
    assert.deepEqual(text.structuredContent.memories.map((m) => m.key), ['b']);
    const tagged = await call(c, 'list_memories', { space: 'list', tags: ['y', 'x'] });
    assert.deepEqual(tagged.structuredContent.memories.map((m) => m.key), ['a']);
  });

  it('get_memory fetches by id, by key and several by keys', async () => {
    const c = client();
    const added = await call(c, 'add_memory', { space: 'get', key: 'tz', text: 'The user lives in Lisbon.' });
    const { id } = added.structuredContent.memory;
    assert.equal((await call(c, 'get_memory', { id })).structuredContent.memory.key, 'tz');
    assert.equal((await call(c, 'get_memory', { space: 'get', key: 'tz' })).structuredContent.memory.id, id);
    const several = await call(c, 'get_memory', { space: 'get', keys: ['tz', 'nope'] });
    assert.deepEqual(several.structuredContent.items.map((i) => i.found), [true, false]);
    assert.match(errorText(await call(c, 'get_memory', { space: 'get', key: 'nope' })), /not found/i);
    assert.match(errorText(await call(c, 'get_memory', {})), /'id' or its 'key'/);
  });

  it('update_memory changes fields and clears each one', async () => {
    const c = client();
    await call(c, 'add_memory', { space: 'upd', key: 'k', text: 'v1', title: 'T', tags: ['a'],
      metadata: { source: 'chat' }, ttl_minutes: 60 });
    const changed = await call(c, 'update_memory', { space: 'upd', key: 'k', text: 'v2' });
    assert.equal(changed.structuredContent.memory.text, 'v2');
    assert.equal(changed.structuredContent.memory.title, 'T');
    const cases = [
      [{ title: null }, (m) => m.title === ''],
      [{ tags: [] }, (m) => m.tags.length === 0],
      [{ metadata: {} }, (m) => Object.keys(m.metadata).length === 0],
      [{ ttl_minutes: null }, (m) => m.expiresAt === null],
    ];
    for (const [patch, cleared] of cases) {
      const r = await call(c, 'update_memory', { space: 'upd', key: 'k', ...patch });
      assert.equal(r.isError, false, JSON.stringify(patch));
      const back = (await call(c, 'get_memory', { space: 'upd', key: 'k' })).structuredContent.memory;
      assert.ok(cleared(back), `${JSON.stringify(patch)} left ${JSON.stringify(back)}`);
      assert.equal(back.text, 'v2');
    }
    const zero = errorText(await call(c, 'update_memory', { space: 'upd', key: 'k', ttl_minutes: 0 }));
    assert.match(zero, /'ttl_minutes'/);
    assert.doesNotMatch(zero, /ttlMinutes/);
    assert.match(errorText(await call(c, 'update_memory', { space: 'upd', key: 'k' })), /nothing to change/);
  });

  it('delete_memory deletes one, several by keys or ids, and all with confirmation', async () => {
    const c = client();
    const added = await call(c, 'add_memory', { space: 'del', key: 'a', text: 'one' });
    await call(c, 'add_memory', { space: 'del', items: [{ key: 'b', text: 'two' }, { key: 'c', text: 'three' },
      { key: 'd', text: 'four' }] });
    const one = await call(c, 'delete_memory', { id: added.structuredContent.memory.id });
    assert.equal(one.structuredContent.deleted, true);
    const byKeys = await call(c, 'delete_memory', { space: 'del', keys: ['b', 'zz'] });
    assert.deepEqual([byKeys.structuredContent.deletedCount, byKeys.structuredContent.missingCount], [1, 1]);
    const c3 = (await call(c, 'get_memory', { space: 'del', key: 'c' })).structuredContent.memory.id;
    const byIds = await call(c, 'delete_memory', { space: 'del', ids: [c3] });
    assert.equal(byIds.structuredContent.deletedCount, 1);
    const all = await call(c, 'delete_memory', { space: 'del', all: true, confirm: 'del' });
    assert.equal(all.structuredContent.deletedCount, 1);
    assert.equal(await count(c, 'del'), 0);
  });

  it('refuses every destructive call without an explicit target, and deletes nothing', async () => {
    const c = client();
    // No `space`: the session's default space, the one a careless call would hit.
    await call(c, 'add_memory', { key: 'keep-1', text: 'must survive', tags: ['keep'] });
    await call(c, 'add_memory', { key: 'keep-2', text: 'must survive too' });
    const before = await count(c);
    assert.ok(before >= 2);
    const refusals = [
      ['delete_space', {}, /confirm/],
      ['delete_space', { confirm: 'default' }, /name the space/],
      ['delete_memory', {}, /exactly one of/],
      ['delete_memory', { all: true }, /name the space/],
      ['delete_memory', { keys: ['keep-1', 'keep-2'] }, /name the space/],
      ['delete_memory', { ids: ['x'] }, /name the space/],
      ['delete_tag', {}, /'name' is required/],
    ];
    for (const [name, args, pattern] of refusals) {
      const text = errorText(await call(c, name, args));
      assert.match(text, pattern, `${name} ${JSON.stringify(args)}`);
    }
    const spaces = (await call(c, 'list_spaces')).structuredContent.spaces.map((s) => s.name);
    for (const space of spaces) {
      for (const args of [{ space }, { space, confirm: 'not-it' }]) {
        assert.match(errorText(await call(c, 'delete_space', args)), /Nothing was deleted/);
      }
      assert.match(errorText(await call(c, 'delete_memory', { space, all: true })), /confirm/);
    }
    assert.equal(await count(c), before);
    assert.equal((await call(c, 'get_memory', { key: 'keep-1' })).structuredContent.memory.text, 'must survive');
    assert.deepEqual((await call(c, 'list_tags')).structuredContent.tags, ['keep']);
  });

  it('list_spaces, describe_space and delete_space with confirmation', async () => {
    const c = client();
    await call(c, 'add_memory', { space: 'gone', key: 'k', text: 'v', tags: ['t'] });
    const spaces = (await call(c, 'list_spaces')).structuredContent.spaces;
    assert.equal(spaces.find((s) => s.name === 'gone').count, 1);
    const described = (await call(c, 'describe_space', { space: 'gone' })).structuredContent;
    assert.deepEqual([described.memoryCount, described.tagCount], [1, 1]);
    const deleted = await call(c, 'delete_space', { space: 'gone', confirm: 'gone' });
    assert.equal(deleted.structuredContent.memoriesDeleted, 1);
    const after = (await call(c, 'list_spaces')).structuredContent.spaces.map((s) => s.name);
    assert.ok(!after.includes('gone'));
  });

  it('list_tags and delete_tag', async () => {
    const c = client();
    await call(c, 'add_memory', { space: 'tags', key: 'k', text: 'v', tags: ['t1', 't2'] });
    assert.deepEqual((await call(c, 'list_tags', { space: 'tags' })).structuredContent.tags, ['t1', 't2']);
    assert.equal((await call(c, 'delete_tag', { space: 'tags', name: 't1' })).structuredContent.deleted, true);
    assert.deepEqual((await call(c, 'get_memory', { space: 'tags', key: 'k' })).structuredContent.memory.tags, ['t2']);
  });

  it('reads a space\'s recent memories as a paged resource', async () => {
    const c = client();
    await call(c, 'add_memory', { space: 'res page', items: Array.from({ length: 20 },
      (_, i) => ({ key: `k${i}`, text: `note ${i}` })) });
    await call(c, 'add_memory', { space: 'res page', key: 'last', text: 'the newest note' });
    const { resources } = await c.listResources();
    const uri = 'memory://res%20page/recent';
    assert.ok(resources.some((r) => r.uri === uri), JSON.stringify(resources));
    const first = JSON.parse((await c.readResource({ uri })).contents[0].text);
    assert.equal(first.memories.length, 20);
    assert.equal(first.memories[0].key, 'last');
    assert.match(first.next, /^memory:\/\/res%20page\/recent\?cursor=/);
    const second = JSON.parse((await c.readResource({ uri: first.next })).contents[0].text);
    assert.equal(second.memories.length, 1);
    assert.equal(second.next, null);
  });
}
