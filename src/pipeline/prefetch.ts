/**
 * Pulls up to `depth` items ahead of the consumer, so a producer (a source read) and a consumer
 * (a DuckDB append) overlap instead of taking turns. Errors surface in order.
 */
export async function* prefetch<T>(source: AsyncIterable<T>, depth = 1): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  try {
    for (let i = 0; i <= depth; i++) queue.push(iterator.next());
    while (true) {
      const result = await queue.shift()!;
      if (result.done) return;
      queue.push(iterator.next());
      yield result.value;
    }
  } finally {
    // Let pending reads settle before closing the producer.
    await Promise.allSettled(queue);
    await iterator.return?.();
  }
}
