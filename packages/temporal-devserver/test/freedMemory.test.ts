/**
 * The release of freed memory: when it trims malloc (after traffic pauses, or every so often while
 * it lasts, never while idle), that a trim on glibc really gives freed memory back to the system,
 * and that a server started with the release trims after its requests.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { FreedMemoryRelease } from '../src/freedMemory';
import { startDevServer } from '../src';

function fakeRelease(options: { quietMs?: number; maxIntervalMs?: number } = {}) {
  let now = 1_000_000;
  const trims: number[] = [];
  // The checks are called by hand: the interval is far longer than any test.
  const release = new FreedMemoryRelease({
    release: () => (trims.push(now), true),
    now: () => now,
    checkEveryMs: 3_600_000,
    ...options,
  });
  return {
    release,
    trims,
    advance: (ms: number) => {
      now += ms;
      release.check();
    },
  };
}

describe('when freed memory is released', () => {
  test('never while the server has had no requests', () => {
    const { release, trims, advance } = fakeRelease();
    for (let i = 0; i < 100; i++) advance(5_000);
    expect(trims).toEqual([]);
    release.stop();
  });

  test('once requests have paused for the quiet period, once more a quiet period later, then not until more come', () => {
    const { release, trims, advance } = fakeRelease({ quietMs: 10_000 });
    release.activity();
    advance(5_000);
    expect(trims).toHaveLength(0);
    advance(5_000);
    expect(trims).toHaveLength(1);
    advance(5_000);
    expect(trims).toHaveLength(1);
    advance(5_000);
    expect(trims).toHaveLength(2);
    for (let i = 0; i < 20; i++) advance(5_000);
    expect(trims).toHaveLength(2);
    release.activity();
    advance(10_000);
    expect(trims).toHaveLength(3);
    expect(release.counts).toEqual({ releases: 3, returned: 3 });
    release.stop();
  });

  test('every so often while requests keep coming', () => {
    const { release, trims, advance } = fakeRelease({ quietMs: 10_000, maxIntervalMs: 60_000 });
    for (let i = 0; i < 60; i++) {
      release.activity();
      advance(2_000);
    }
    // 120 s of steady traffic, never a pause of 10 s: a trim at 60 s and at 120 s.
    expect(trims.map((t) => t - 1_000_000)).toEqual([60_000, 120_000]);
    release.stop();
  });
});

const glibc = process.platform === 'linux' && Boolean(processReportHeader().glibcVersionRuntime);

function processReportHeader(): { glibcVersionRuntime?: string } {
  return (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header ?? {};
}

test('on glibc a trim gives back the memory that freed buffers left in malloc', () => {
  // A process of its own: the figures are its resident memory, and the allocator settings its own.
  const script = `
    const { glibcAllocator } = require('./src/freedMemory.ts');
    const anon = () => Number(/^RssAnon:\\s+(\\d+) kB/m.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
    (async () => {
      const allocator = glibcAllocator();
      const base = anon();
      let buffers = [];
      for (let i = 0; i < 40000; i++) buffers.push(Buffer.allocUnsafeSlow(2048).fill(1));
      // One in 32 stays: malloc cannot give back the rest by shrinking its heap from the top.
      const kept = buffers.filter((_, i) => i % 32 === 0);
      buffers = null;
      for (let i = 0; i < 3; i++) { global.gc(); await new Promise((r) => setTimeout(r, 50)); }
      const freed = anon();
      const returned = allocator ? allocator.trim() : false;
      console.log(JSON.stringify({ allocator: Boolean(allocator), base, freed, trimmed: anon(), returned, kept: kept.length }));
    })();`;
  const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', '--expose-gc', '-e', script], {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf8',
  });
  const result = JSON.parse(out.trim().split('\n').pop()!) as {
    allocator: boolean;
    base: number;
    freed: number;
    trimmed: number;
    returned: boolean;
  };
  expect(result.allocator).toBe(glibc);
  if (!glibc) return;
  // About 80 MiB of buffers were freed, and malloc still held them after the collection…
  expect(result.freed - result.base).toBeGreaterThan(40);
  // …until the trim gave most of it back.
  expect(result.returned).toBe(true);
  expect(result.freed - result.trimmed).toBeGreaterThan((result.freed - result.base) / 2);
});

test('a server started with the release lets go of the closed runs it kept once its requests pause', async () => {
  const server = await startDevServer({ releaseFreedMemory: { quietMs: 100, checkEveryMs: 20 } });
  // Idle from the start: nothing to release.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(server.freedMemory).toEqual({ releases: 0, returned: 0 });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  try {
    const handle = await client.workflow.start('neverPolled', { taskQueue: 'nobody', workflowId: 'released' });
    await handle.terminate('done with it');
    const before = server.freedMemory!.releases;
    expect(server.service.runsInMemory()).toEqual({ open: 0, closed: 1 });
    const deadline = Date.now() + 5_000;
    while (server.freedMemory!.releases === before && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.freedMemory!.releases).toBeGreaterThan(before);
    expect(server.service.runsInMemory()).toEqual({ open: 0, closed: 0 });
    // On glibc malloc was trimmed too (whether it had anything to give back varies).
    if (!glibc) expect(server.freedMemory!.returned).toBe(0);
    // The run is read back when asked for.
    expect((await handle.describe()).status.name).toBe('TERMINATED');
  } finally {
    await connection.close();
    await server.stop();
  }
});
