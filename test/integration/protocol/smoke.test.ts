import { expect, it } from 'vitest';
import { sharedServer } from '../../harness/server.js';
import { assertContiguous, readAll, streamOptions } from './helpers.js';

it('smoke', async () => {
  const server = sharedServer();
  const db = await server.freshDatabase('smoke');
  const start = await server.masterStatus();
  await server.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(10))`);
  await server.query(`INSERT INTO \`${db}\`.t VALUES (1,'a'),(2,'b')`);
  await server.query('FLUSH BINARY LOGS');
  await server.query(`INSERT INTO \`${db}\`.t VALUES (3,'c')`);
  const end = await server.masterStatus();
  const { events, stream } = await readAll(streamOptions(server, { start }));
  for (const e of events) console.log(e.file, e.position, e.type, e.size, e.logPos);
  assertContiguous(events);
  expect(stream.position()).toEqual(end);
});
