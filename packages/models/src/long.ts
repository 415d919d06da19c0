/**
 * protobufjs decodes 64-bit fields as Long objects (the `long` package is installed), whatever the generated
 * types claim. These helpers accept a number or anything Long-shaped, without depending on `long` itself.
 */
export interface LongBits { low: number, high: number, unsigned: boolean }
export type Int64 = number | LongBits

function bitsToBigInt (value: LongBits): bigint {
  const raw = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0)
  return value.unsigned ? raw : BigInt.asIntN(64, raw)
}

/** The exact value as a bigint (0 for null/undefined). */
export function int64ToBigInt (value: Int64 | null | undefined): bigint {
  if (value === null || value === undefined) return 0n
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : BigInt(Math.trunc(value))
  return bitsToBigInt(value)
}

/** The value as a number, or NaN when it is not a safe integer (0 for null/undefined). */
export function int64ToSafeNumber (value: Int64 | null | undefined): number {
  if (value === null || value === undefined) return 0
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : Number.NaN
  // Fast path for the usual small values: no bigint arithmetic.
  if (value.high === 0 || (value.high === -1 && !value.unsigned && value.low < 0)) {
    return value.high === 0 ? value.low >>> 0 : value.low
  }
  const big = bitsToBigInt(value)
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : Number.NaN
}

export const INT64_MIN = -(2n ** 63n)
export const INT64_MAX = 2n ** 63n - 1n

/** A signed 64-bit value for a protobufjs writer: the number itself when safe, else its two halves. */
export function bigIntToInt64 (value: bigint): Int64 {
  if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value)
  const bits = BigInt.asUintN(64, value)
  return { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0, unsigned: false }
}
