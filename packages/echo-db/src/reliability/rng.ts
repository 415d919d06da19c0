/**
 * A small seeded random number generator (mulberry32), so that every harness run can be repeated from its seed.
 * Not for anything secret.
 */
export class Rng {
  private state: number

  constructor (readonly seed: number) {
    this.state = seed >>> 0
  }

  /** A float in [0, 1). */
  next (): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [min, max]. */
  int (min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance (p: number): boolean {
    return this.next() < p
  }

  pick<T> (items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list')
    return items[Math.floor(this.next() * items.length)]
  }
}

/** A seed from the environment (ECHO_SEED) or the clock, printed by the harnesses so a failing run can be repeated. */
export function defaultSeed (): number {
  const fromEnv = Number(process.env.ECHO_SEED)
  return Number.isInteger(fromEnv) ? fromEnv : (Date.now() ^ (process.pid << 16)) >>> 0
}
