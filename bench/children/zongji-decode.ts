import ZongJi from '@vlasky/zongji';
import { fail, input, output, type ServerInput, seconds } from './common.js';

/**
 * cdc-catchup peer: @vlasky/zongji decodes the binlog range [start, end) and counts the row
 * changes it hands out (an UPDATE row pair counts once). It stops at the first event that ends at
 * or after `end`. Timed twice to that event: from `start()` (`seconds`: Node start-up, imports and
 * the connection excluded) and from the process's start (`sinceProcessStart`: what `binlake
 * binlog dump`'s wall time also includes; its own stop and exit are left out, to zongji's favour).
 */
interface Input {
  server: ServerInput;
  serverId: number;
  start: { file: string; position: number };
  end: { file: string; position: number };
}

const ROW_EVENTS = ['writerows', 'updaterows', 'deleterows'];

function reached(file: string, position: number, end: Input['end']): boolean {
  return file > end.file || (file === end.file && position >= end.position);
}

async function main(): Promise<void> {
  const { server, serverId, start, end } = input<Input>();
  const zongji = new ZongJi({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    dateStrings: true,
  });
  let rowChanges = 0;
  let events = 0;
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    let finished = false;
    zongji.on('error', (error: unknown) => {
      if (!finished) reject(error);
    });
    zongji.on('binlog', (event: { getEventName(): string; rows?: unknown[] }) => {
      events++;
      if (ROW_EVENTS.includes(event.getEventName())) rowChanges += event.rows?.length ?? 0;
      const file = String(zongji.get('filename'));
      const position = Number(zongji.get('position'));
      if (!finished && reached(file, position, end)) {
        finished = true;
        resolve();
      }
    });
    zongji.start({
      serverId,
      filename: start.file,
      position: start.position,
      includeEvents: ['tablemap', 'writerows', 'updaterows', 'deleterows', 'xid', 'query', 'rotate'],
    });
  });
  const s = seconds(started);
  // performance.timeOrigin is when this process began.
  output({ rowChanges, events, seconds: s, sinceProcessStart: performance.now() / 1000 });
  zongji.stop();
  setTimeout(() => process.exit(0), 200).unref();
}

main().catch(fail);
