import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli.js';
import { checkLog, SyncProcess, statusJson } from '../../harness/crash.js';
import { sharedServer } from '../../harness/server.js';
import { mergedRows, sourceRows, writeTaskConfig } from '../../harness/sync-fixtures.js';

/**
 * Destination fault: the warehouse on a small tmpfs that fills up while `binlake sync` runs.
 * The task must end `Failed` with the reason (not hang, not skip), and once space is freed a
 * resume loses nothing: merged == source and `_log` has no duplicate and no gap.
 * Needs `mount -t tmpfs` (root); the suite runs as root in CI.
 */
function mountTmpfs(sizeMb: number): string | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'binlake-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

/** Fills the file system of `dir` with `file` until only about `leaveBytes` are free. */
function fill(file: string, leaveBytes: number): void {
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (let i = 0; i < 100_000; i++) {
      const { bavail, bsize } = statfsSync(path.dirname(file));
      if (bavail * bsize <= leaveBytes + block.length) break;
      writeSync(fd, block);
    }
  } finally {
    closeSync(fd);
  }
}

const canMount = process.getuid?.() === 0;

describe('destination faults', () => {
  it.runIf(canMount)(
    'a full disk under the warehouse: Failed with the reason, then resume loses nothing',
    async () => {
      const mount = mountTmpfs(64);
      expect(mount, 'mount -t tmpfs failed (the test needs root)').not.toBeNull();
      try {
        const server = sharedServer();
        const db = await server.freshDatabase('diskfull');
        await server.query(`CREATE TABLE \`${db}\`.t (id INT NOT NULL PRIMARY KEY, v VARCHAR(255))`);
        await server.query(
          `INSERT INTO \`${db}\`.t SELECT seq, REPEAT('s', 100) FROM \`${db}\`.seq_1_to_2000`,
        );
        const warehouse = path.join(mount!, 'warehouse.duckdb');
        const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }], {
          destination: { type: 'duckdb', path: warehouse },
        });
        const first = await runCli(['sync', '--config', configPath, '--until-caught-up']);
        expect(first.code, first.stderr).toBe(0);

        const filler = path.join(mount!, 'filler.bin');
        fill(filler, 512 * 1024);
        let inserted = 0;
        const sync = SyncProcess.start(configPath);
        try {
          expect(await sync.waitForOutput('task state Synchronizing', 60_000), sync.output).toBe(true);
          // ~20 MB of changes: far more than the 512 KB left.
          const conn = await server.connect(db);
          try {
            for (let i = 0; i < 20; i++) {
              inserted += 4000;
              await conn.query(
                `INSERT INTO t SELECT 100000 + ${i * 4000} + seq, REPEAT(CHAR(65 + ${i}), 250) FROM seq_1_to_4000`,
              );
              if (!sync.running) break;
            }
          } finally {
            await conn.end();
          }
          const ended = await sync.wait(90_000);
          expect(ended, `sync kept running on a full disk:\n${sync.output.slice(-3000)}`).not.toBeNull();
          expect(ended?.code, sync.output.slice(-3000)).toBe(1);
          expect(sync.output, 'the reason (no space) must be in the log').toMatch(
            /No space left|ENOSPC|disk is full|out of space/i,
          );
        } finally {
          await sync.kill();
        }

        // The fix: space again. The status recorded the failure and its reason.
        rmSync(filler, { force: true });
        const { status } = await statusJson(configPath);
        expect(status.state, JSON.stringify(status.lastError)).toBe('Failed');
        expect(status.lastError?.message ?? '').toMatch(/No space left|ENOSPC|disk is full|out of space/i);

        const resumed = await runCli(['sync', '--config', configPath, '--until-caught-up'], {
          timeoutMs: 180_000,
        });
        expect(resumed.code, resumed.stderr.slice(-3000)).toBe(0);
        expect(await mergedRows(configPath, 't')).toEqual(await sourceRows(server, db, 't'));
        const log = await checkLog(configPath, 't');
        expect(log.problems).toEqual([]);
        expect(log.counts.I, 'every insert issued is in the log once').toBe(inserted);
      } finally {
        try {
          execFileSync('umount', ['-l', mount!], { stdio: 'pipe' });
        } catch {}
        rmSync(mount!, { recursive: true, force: true });
      }
    },
    300_000,
  );
});
