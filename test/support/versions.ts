import type { SecretVersion } from '../../functions/shared/secret-store';

/** `RotationVersions.older` over a fixed list (newest first), for tests that build versions by hand. */
export function olderVersions(list: readonly SecretVersion[] = []): () => AsyncIterable<SecretVersion> {
  return () => ({
    [Symbol.asyncIterator]: () => {
      let next = 0;
      return {
        next: () =>
          Promise.resolve(
            next < list.length
              ? { done: false as const, value: list[next++] as SecretVersion }
              : { done: true as const, value: undefined },
          ),
      };
    },
  });
}
