import { protobufCodec } from '@echodb/feed-store'
import { echo } from '@echodb/proto'
import { ModelError } from './errors'
import { bigIntToInt64, INT64_MAX, INT64_MIN, int64ToBigInt, int64ToSafeNumber, type Int64 } from './long'
import { defineModelType, Model, type ModelContext, type ModelType } from './model'
import type { MutationMeta } from './order'

type CounterMutation = echo.models.ICounterMutation
type CounterSnapshot = echo.models.ICounterSnapshot

const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER)
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER)

/** Keeps one canonical form per value (a number whenever it is safe), so equal sums compare equal. */
function normalize (value: bigint): number | bigint {
  return value >= SAFE_MIN && value <= SAFE_MAX ? Number(value) : value
}

/**
 * A counter that converges to the sum of every increment and decrement, whatever order they arrive in.
 * Addition is exact: the sum is a number while it is a safe integer and a bigint beyond.
 */
export class CounterModel extends Model<CounterMutation, CounterSnapshot, number> {
  static readonly type: ModelType<CounterModel> = defineModelType<CounterModel>({
    url: 'echodb.org/model/counter',
    version: 1,
    mutationCodec: protobufCodec<CounterMutation>(echo.models.CounterMutation),
    snapshotCodec: protobufCodec<CounterSnapshot>(echo.models.CounterSnapshot),
    create: (type, context) => new CounterModel(type, context)
  })

  private sum: number | bigint = 0

  constructor (type: ModelType<CounterModel> = CounterModel.type, context: ModelContext = {}) {
    super(type, context)
  }

  /** The sum (rounded when it is beyond Number.MAX_SAFE_INTEGER: read `exactValue` then). */
  get value (): number {
    return Number(this.sum)
  }

  get exactValue (): bigint {
    return BigInt(this.sum)
  }

  get state (): number {
    return this.value
  }

  /** Adds `by` (a non-zero integer in the signed 64-bit range; default 1). */
  async increment (by: number | bigint = 1): Promise<void> {
    return await this.write({ delta: toDelta(by) })
  }

  /** Subtracts `by` (default 1). */
  async decrement (by: number | bigint = 1): Promise<void> {
    return await this.write({ delta: toDelta(-BigInt(checkInteger(by))) })
  }

  protected apply (mutation: CounterMutation, _meta: MutationMeta): boolean {
    const raw = mutation.delta as Int64 | null | undefined
    const small = int64ToSafeNumber(raw)
    if (small === 0) throw new ModelError('INVALID_MUTATION', 'counter delta missing or zero')
    const sum = this.sum
    if (typeof sum === 'number' && !Number.isNaN(small)) {
      const next = sum + small
      if (Number.isSafeInteger(next)) {
        this.sum = next
        return true
      }
    }
    this.sum = normalize(BigInt(sum) + int64ToBigInt(raw))
    return true
  }

  protected takeSnapshot (): CounterSnapshot {
    return { sum: this.sum.toString() }
  }

  protected loadSnapshot (snapshot: CounterSnapshot): void {
    const text = snapshot.sum ?? ''
    if (!/^-?(0|[1-9][0-9]*)$/.test(text)) throw new ModelError('INVALID_SNAPSHOT', `counter sum ${JSON.stringify(text)} is not an integer`)
    this.sum = normalize(BigInt(text))
  }
}

function checkInteger (by: number | bigint): number | bigint {
  if (typeof by === 'bigint' || Number.isSafeInteger(by)) return by
  throw new ModelError('INVALID_ARGUMENT', `counter step must be a safe integer or a bigint, got ${String(by)}`)
}

function toDelta (by: number | bigint): number {
  const delta = BigInt(checkInteger(by))
  if (delta === 0n || delta < INT64_MIN || delta > INT64_MAX) {
    throw new ModelError('INVALID_ARGUMENT', `counter step must be non-zero and fit in 64 signed bits, got ${String(by)}`)
  }
  // The generated types say number; protobufjs' writer also takes the Long-shaped halves.
  return bigIntToInt64(delta) as number
}
