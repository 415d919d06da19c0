import { defineModelType, Model, ModelError, type ModelContext, type ModelType, type MutationMeta } from '@echodb/models'
import type { Codec } from '@echodb/feed-store'

/** JSON codec for a test model: apps may bring any Codec, not only protobuf. */
function jsonCodec<T> (check: (value: unknown) => value is T): Codec<T> {
  return {
    encode: (value) => Buffer.from(JSON.stringify(value)),
    decode: (bytes) => {
      const value: unknown = JSON.parse(Buffer.from(bytes).toString())
      if (!check(value)) throw new Error('not a tally message')
      return value
    }
  }
}

const isAdd = (v: unknown): v is { add: number } => typeof (v as { add?: unknown })?.add === 'number'
const isTotal = (v: unknown): v is { total: number } => typeof (v as { total?: unknown })?.total === 'number'

/** A custom model as an app would write one: a sum of non-negative additions. */
export class TallyModel extends Model<{ add: number }, { total: number }, number> {
  static readonly type: ModelType<TallyModel> = defineModelType<TallyModel>({
    url: 'example.com/model/tally',
    mutationCodec: jsonCodec(isAdd),
    snapshotCodec: jsonCodec(isTotal),
    create: (type, context) => new TallyModel(type, context)
  })

  total = 0

  constructor (type: ModelType<TallyModel>, context: ModelContext) {
    super(type, context)
  }

  get state (): number { return this.total }

  async add (n: number): Promise<void> { await this.write({ add: n }) }

  protected apply (mutation: { add: number }, _meta: MutationMeta): boolean {
    if (!Number.isSafeInteger(mutation.add) || mutation.add < 0) throw new ModelError('INVALID_MUTATION', `cannot add ${mutation.add}`)
    this.total += mutation.add
    return mutation.add !== 0
  }

  protected takeSnapshot (): { total: number } { return { total: this.total } }
  protected loadSnapshot (snapshot: { total: number }): void { this.total = snapshot.total }
}
