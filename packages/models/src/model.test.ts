import { protobufCodec } from '@echodb/feed-store'
import { echo } from '@echodb/proto'
import { ModelError } from './errors'
import { defineModelType, Model, type ModelType } from './model'
import { compareOrder, isOrderStamp, type MutationMeta } from './order'
import { testMeta } from './testing/meta'

type M = echo.models.IPriorityRegisterMutation
type S = echo.models.IPriorityRegisterSnapshot

/** A deliberately buggy model: it throws a plain Error on the value "boom". */
class Fragile extends Model<M, S, string> {
  static readonly type: ModelType<Fragile> = defineModelType<Fragile>({
    url: 'example.com/test/fragile',
    mutationCodec: protobufCodec<M>(echo.models.PriorityRegisterMutation),
    snapshotCodec: protobufCodec<S>(echo.models.PriorityRegisterSnapshot),
    create: (type, context) => new Fragile(type, context)
  })

  value = ''
  get state (): string { return this.value }
  protected apply (mutation: M, _meta: MutationMeta): boolean {
    if (mutation.value === 'boom') throw new Error('bug')
    this.value = mutation.value ?? ''
    return true
  }

  protected takeSnapshot (): S { return { value: this.value } }
  protected loadSnapshot (snapshot: S): void {
    if (snapshot.value === 'boom') throw new TypeError('bug')
    this.value = snapshot.value ?? ''
  }
}

describe('Model base', () => {
  test('a bug in a model surfaces as PROCESS_FAILED / INVALID_SNAPSHOT, with the cause', () => {
    const model = new Fragile(Fragile.type)
    const codec = Fragile.type.mutationCodec
    let error: unknown
    try { model.processEncoded(codec.encode({ value: 'boom' }), testMeta(0, 0, 0, 0)) } catch (err) { error = err }
    expect(error).toBeInstanceOf(ModelError)
    expect(error).toMatchObject({ code: 'PROCESS_FAILED', cause: expect.any(Error) })
    expect(() => model.restoreEncoded(Fragile.type.snapshotCodec.encode({ value: 'boom' })))
      .toThrow(expect.objectContaining({ code: 'INVALID_SNAPSHOT' }))
    model.process({ value: 'ok' }, testMeta(0, 1, 0, 1))
    expect(model.state).toBe('ok')
    expect(model.typeUrl).toBe('example.com/test/fragile')
    expect(model.version).toBe(1)
  })

  test('defineModelType fills in defaults and freezes the type', () => {
    expect(Fragile.type.version).toBe(1)
    expect(Fragile.type.reads).toEqual([1])
    expect(Object.isFrozen(Fragile.type)).toBe(true)
  })
})

describe('order stamps', () => {
  const feedA = 'aa'.repeat(32)
  const feedB = 'bb'.repeat(32)
  test('compare by seq, then feed, then block, then index', () => {
    const sorted = [
      { seq: 1, feed: feedB, block: 9, index: 9 },
      { seq: 2, feed: feedA, block: 5, index: 0 },
      { seq: 2, feed: feedB, block: 0, index: 0 },
      { seq: 2, feed: feedB, block: 1, index: 0 },
      { seq: 2, feed: feedB, block: 1, index: 1 }
    ]
    for (let i = 0; i < sorted.length; i++) {
      for (let j = 0; j < sorted.length; j++) {
        expect(Math.sign(compareOrder(sorted[i], sorted[j]))).toBe(Math.sign(i - j))
      }
    }
    expect(compareOrder(sorted[0], { ...sorted[0] })).toBe(0)
  })

  test('isOrderStamp checks the fields', () => {
    expect(isOrderStamp({ seq: 0, feed: feedA, block: 0, index: 0 })).toBe(true)
    expect(isOrderStamp({ seq: -1, feed: feedA, block: 0, index: 0 })).toBe(false)
    expect(isOrderStamp({ seq: 0, feed: 'AA'.repeat(32), block: 0, index: 0 })).toBe(false)
    expect(isOrderStamp({ seq: 0, feed: feedA, block: 0.5, index: 0 })).toBe(false)
  })
})
