/**
 * Runs async jobs one at a time, in submission order. DuckDB allows one writer per file and a
 * transaction per connection, so the full sync and the change capture share the sink through
 * this queue; a merge requested over the API waits its turn too.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
