import { BinlogDecoder } from '../binlog/decoder.js';
import type { RawEvent } from '../binlog/raw-event.js';
import { type CaptureEvent, mayChangeSchema } from '../capture/capture-event.js';
import { toCaptureEvents } from '../capture/from-binlog.js';
import type { SchemaTracker } from '../capture/schema-tracker.js';
import type { Config } from '../config/config.js';
import type { RestartPoint } from '../core/change-event.js';
import { openReplicationStream } from '../protocol/replication-stream.js';
import type { BinlogEventStream } from './sync-task.js';

/**
 * Received events waiting for capture, at most (the socket pauses beyond). Less than the stream's
 * 8 MiB default: every waiting event is a few JavaScript objects that outlive young-generation
 * collections, and with 8 MiB (about 45,000 sysbench events) the garbage collector copied them
 * over and over. 1 MiB made the catch-up about 8% faster and its peak RSS 35 MiB lower, measured.
 */
const CAPTURE_QUEUE_BYTES = 1024 * 1024;

/**
 * The live binlog of the source from `start`, decoded by binlake's own decoder with the schema
 * tracker as its column hint, one `CaptureEvent[]` per binlog event. Reconnects are the
 * protocol's job (for up to `retry.maxMinutes`); a purged position fails with BLK_S1204.
 */
export async function openCaptureStream(
  config: Config,
  start: RestartPoint,
  tracker: SchemaTracker,
): Promise<BinlogEventStream> {
  const s = config.source;
  const stream = await openReplicationStream({
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    tls: s.tls,
    connectTimeoutMs: s.connectTimeoutMs,
    serverId: s.serverId,
    // A checkpoint without a file is a GTID start that has not seen its first ROTATE yet.
    start: start.position.file
      ? { file: start.position.file, position: start.position.position }
      : { gtid: start.gtid ?? '' },
    heartbeatSeconds: config.retry.heartbeatSeconds,
    reconnect: { maxMillis: config.retry.maxMinutes * 60_000 },
    maxQueuedBytes: CAPTURE_QUEUE_BYTES,
  });
  const decoder = new BinlogDecoder({
    schemaFor: tracker.schemaFor,
    initialChecksum: stream.checksum ? 'crc32' : 'none',
  });
  return {
    get reconnects() {
      return stream.reconnects;
    },
    get lastHeardAt() {
      return stream.lastHeardAt;
    },
    close: () => stream.close(),
    async *[Symbol.asyncIterator]() {
      // Hand over everything already received in one array: the consumer's per-wait cost (a
      // timer and a race) is then paid per batch, not per event.
      //
      // A batch ends right after a DDL: the decoder takes its column hints from the tracker, so
      // the events after an ALTER must be decoded only once capture has applied it.
      let out: CaptureEvent[] = [];
      for await (const first of stream) {
        // What has already arrived is taken without a promise per event.
        for (let raw: RawEvent | undefined = first; raw !== undefined; raw = stream.takeBuffered()) {
          const event = decoder.decode(raw);
          toCaptureEvents(event, raw.bytes.length, out);
          const ddl = event.type === 'query' && mayChangeSchema(event.sql);
          if (ddl || out.length >= 1024 || stream.queuedBytes === 0) {
            yield out;
            out = [];
          }
        }
      }
      if (out.length) yield out;
    },
  };
}
