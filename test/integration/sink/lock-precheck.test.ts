import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinlakeError } from '../../../src/core/errors.js';
import { DuckDbSink } from '../../../src/sink/duckdb/duckdb-sink.js';
import { destinationFindings } from '../../../src/sink/duckdb/precheck.js';
import { col, schema, target, tempDir } from './helpers.js';

const ORDERS = schema('orders', [col('id', 'int'), col('v', 'varchar')], ['id']);

/** A child process that opens `file` with DuckDB and holds it until its stdin closes. */
function holdFile(file: string): Promise<ChildProcess> {
  const code = `
    import { DuckDBInstance } from '@duckdb/node-api';
    const instance = await DuckDBInstance.create(${JSON.stringify(file)});
    process.stdout.write('ready\\n');
    process.stdin.resume();
    process.stdin.on('end', () => { instance.closeSync(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: process.cwd(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => {
      if (data.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (status) => reject(new Error(`holder exited with ${status}`)));
  });
}

function release(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.stdin?.end();
  });
}

describe('destination lock and writability', () => {
  const tmp = tempDir();
  let holder: ChildProcess;
  const file = tmp.file('held.duckdb');

  beforeAll(async () => {
    const sink = await DuckDbSink.create({ path: file });
    await sink.ensureTables([target(ORDERS)], {});
    await sink.close();
    holder = await holdFile(file);
  });
  afterAll(async () => {
    await release(holder);
    tmp.cleanup();
  });

  it('BLK_D4001 when another process holds the file', async () => {
    const error = await DuckDbSink.create({ path: file }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BinlakeError);
    expect((error as BinlakeError).code).toBe('BLK_D4001');
    expect((error as BinlakeError).message).toContain(file);
    expect((error as BinlakeError).message).toContain('binlake sync may be running');
    expect((error as BinlakeError).details.pid).toBe(holder.pid);
  });

  it('the precheck fails the lock item and says nothing about tables it cannot read', async () => {
    const findings = await destinationFindings({
      path: file,
      tables: [target(ORDERS)],
      existingTables: 'precheck',
      partitions: [],
      naming: 'classic',
    });
    expect(findings.find((f) => f.item === 'destination.lock')).toMatchObject({ result: 'fail' });
    expect(findings.find((f) => f.item === 'destination.lock')?.found).toContain(
      'binlake sync may be running',
    );
    expect(findings.find((f) => f.item === 'destination.existing-tables')).toBeUndefined();
  });

  it('BLK_D4001 for a second sink on the same file in this process, until the first is closed', async () => {
    const own = tmp.file('own.duckdb');
    const first = await DuckDbSink.create({ path: own });
    const error = await DuckDbSink.create({ path: `${tmp.dir}/./own.duckdb` }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as BinlakeError).code).toBe('BLK_D4001');
    await first.close();
    const again = await DuckDbSink.create({ path: own });
    await again.close();
  });

  it('BLK_D4004 when the folder cannot be written (its parent is a file)', async () => {
    const blocker = tmp.file('not-a-folder');
    writeFileSync(blocker, 'x');
    const bad = path.join(blocker, 'sub', 'w.duckdb');
    const error = await DuckDbSink.create({ path: bad }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as BinlakeError).code).toBe('BLK_D4004');
    const findings = await destinationFindings({
      path: bad,
      tables: [],
      existingTables: 'precheck',
      partitions: [],
      naming: 'classic',
    });
    expect(findings.find((f) => f.item === 'destination.writable')).toMatchObject({ result: 'fail' });
  });
});

describe('destination precheck', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('passes on a new file and fails or warns on existing target tables', async () => {
    const file = tmp.file('pre.duckdb');
    const input = {
      path: file,
      tables: [target(ORDERS)],
      existingTables: 'precheck' as const,
      partitions: [] as [],
      naming: 'classic' as const,
    };
    const fresh = await destinationFindings(input);
    expect(fresh.map((f) => [f.item, f.result])).toEqual([
      ['destination.writable', 'pass'],
      ['destination.lock', 'pass'],
      ['destination.existing-tables', 'pass'],
    ]);
    const sink = await DuckDbSink.create({ path: file });
    await sink.ensureTables([target(ORDERS)], {});
    await sink.close();
    const existing = await destinationFindings(input);
    const item = existing.find((f) => f.item === 'destination.existing-tables');
    expect(item?.result).toBe('fail');
    expect(item?.found).toContain('orders_base, orders_log');
    const ignored = await destinationFindings({ ...input, existingTables: 'ignore' });
    const warn = ignored.find((f) => f.item === 'destination.existing-tables');
    expect(warn?.result).toBe('warn');
    expect(warn?.found).toContain('consistency is not guaranteed');
  });

  it('fails a source column named like an additional or partition column, naming table and column', async () => {
    const clashing = schema(
      'events',
      [col('id', 'int'), col('Operation_Flag', 'varchar'), col('modifytime_hour', 'int')],
      ['id'],
    );
    const newNaming = schema(
      'news',
      [col('id', 'int'), col('new_dts_sync_after_flag', 'varchar'), col('after_flag', 'int')],
      ['id'],
    );
    const findings = await destinationFindings({
      path: tmp.file('clash.duckdb'),
      tables: [target(clashing), target(newNaming)],
      existingTables: 'precheck',
      partitions: ['modifytime_hour'],
      naming: 'new',
    });
    const fails = findings.filter((f) => f.result === 'fail');
    expect(fails.map((f) => f.item)).toEqual([
      'destination.column-clash:shop.events',
      'destination.column-clash:shop.news',
    ]);
    expect(fails[0].found).toContain('shop.events, column modifytime_hour');
    expect(fails[1].found).toContain('column new_dts_sync_after_flag');
    const classic = await destinationFindings({
      path: tmp.file('clash.duckdb'),
      tables: [target(clashing)],
      existingTables: 'precheck',
      partitions: [],
      naming: 'classic',
    });
    expect(classic.filter((f) => f.result === 'fail').map((f) => f.found)).toEqual([
      expect.stringContaining('column Operation_Flag clashes with additional column operation_flag'),
    ]);
  });
});
