import { createHash, randomBytes } from 'node:crypto';

/**
 * The chaos suite's seeded pseudo-random numbers (sfc32, seeded from SHA-256 of the run's seed and
 * the scenario's number). It only decides *which* faults a scenario injects and when, which must
 * replay from (seed, number) alone; every password and token still comes from node:crypto.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...parts: readonly (string | number)[]) {
    const digest = createHash('sha256').update(parts.join('\u0000')).digest();
    this.a = digest.readUInt32LE(0);
    this.b = digest.readUInt32LE(4);
    this.c = digest.readUInt32LE(8);
    this.d = digest.readUInt32LE(12);
    // The first outputs of a freshly seeded sfc32 are poorly mixed: discard them.
    for (let i = 0; i < 15; i++) this.next();
  }

  /** A number in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  }

  /** A whole number from `min` to `max`, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('cannot pick from an empty list');
    return item;
  }

  /** One of `choices`, each as likely as its weight. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [choice, weight] of choices) {
      roll -= weight;
      if (roll < 0) return choice;
    }
    const last = choices[choices.length - 1];
    if (!last) throw new RangeError('cannot pick from an empty list');
    return last[0];
  }
}

/** A fresh seed for a run that was not given one: short enough to type into a replay command. */
export function newSeed(): string {
  return randomBytes(4).toString('hex');
}
