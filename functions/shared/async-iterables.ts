/** The first `limit` items of `source`, without pulling (and so reading) the one after. */
export async function* limited<T>(source: AsyncIterable<T>, limit: number): AsyncGenerator<T> {
  if (limit <= 0) return;
  let taken = 0;
  for await (const item of source) {
    yield item;
    if (++taken >= limit) return;
  }
}
