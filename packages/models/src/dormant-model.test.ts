import { CounterModel } from './counter-model'
import { DormantModel } from './dormant-model'
import { ObjectModel } from './object-model'
import { testMeta } from './testing/meta'

const counter = CounterModel.type.mutationCodec

describe('DormantModel', () => {
  test('holds copies of mutations and metadata, snapshots and restores them', () => {
    const dormant = new DormantModel(CounterModel.type.url, 1, 'UNKNOWN_MODEL')
    const block = new Uint8Array(64)
    const bytes = counter.encode({ delta: 5 })
    block.set(bytes, 10)
    dormant.processEncoded(block.subarray(10, 10 + bytes.length), testMeta(1, 0, 0, 0))
    block.fill(0) // the caller reuses its buffer: the dormant copy must not change
    dormant.processEncoded(counter.encode({ delta: -2 }), testMeta(0, 3, 1, 4))
    expect(dormant.mutations).toHaveLength(2)
    expect(dormant.mutations[0].mutation).toEqual(bytes)
    expect(dormant.revision).toBe(2)
    expect(dormant.message).toMatch(/not registered/)

    const restored = new DormantModel(CounterModel.type.url, 1, 'UNKNOWN_MODEL')
    restored.restoreEncoded(dormant.snapshotEncoded())
    expect(restored.mutations.map((m) => m.meta)).toEqual(dormant.mutations.map((m) => m.meta))
    expect(restored.mutations.map((m) => m.mutation)).toEqual(dormant.mutations.map((m) => m.mutation))
    expect(restored.revive(CounterModel.type).model.value).toBe(3)
  })

  test('revive gives the state a live model would have, and reports the mutations it refuses', () => {
    const live = new CounterModel()
    const dormant = new DormantModel(CounterModel.type.url, 1, 'UNKNOWN_MODEL')
    const inputs = [counter.encode({ delta: 2 }), new Uint8Array([0xff]), counter.encode({ delta: 40 })]
    inputs.forEach((m, i) => {
      dormant.processEncoded(m, testMeta(0, i, 0, i))
      try { live.processEncoded(m, testMeta(0, i, 0, i)) } catch { /* refused live too */ }
    })
    const writes: Uint8Array[] = []
    const { model, rejected } = dormant.revive(CounterModel.type, { writer: async (m) => { writes.push(m) } })
    expect(model.value).toBe(live.value)
    expect(rejected).toHaveLength(1)
    expect(rejected[0]).toMatchObject({ index: 1, error: expect.objectContaining({ code: 'INVALID_MUTATION' }) })
    expect(model.readOnly).toBe(false)
  })

  test('a held model snapshot is restored before the held mutations', () => {
    const before = new ObjectModel()
    before.processEncoded(ObjectModel.encodeProps({ a: 1, b: 2 }), testMeta(0, 0, 0, 0))
    const dormant = new DormantModel(ObjectModel.type.url, 1, 'UNKNOWN_MODEL')
    dormant.processEncoded(ObjectModel.encodeProps({ dropped: true }), testMeta(0, 0, 1, 0))
    dormant.adoptModelSnapshot(before.snapshotEncoded())
    expect(dormant.mutations).toHaveLength(0)
    dormant.processEncoded(ObjectModel.encodeProps({ b: 3 }), testMeta(1, 0, 0, 1))
    const restored = new DormantModel(ObjectModel.type.url, 1, 'UNKNOWN_MODEL')
    restored.restoreEncoded(dormant.snapshotEncoded())
    expect(restored.snapshotOfModel).toEqual(dormant.snapshotOfModel)
    expect(restored.revive(ObjectModel.type).model.toObject()).toEqual({ a: 1, b: 3 })
  })

  test('revive refuses another type or an unreadable version; restore refuses foreign or broken snapshots', () => {
    const dormant = new DormantModel('example.com/thing', 2, 'UNSUPPORTED_VERSION')
    expect(dormant.message).toMatch(/cannot read version 2/)
    expect(() => dormant.revive(CounterModel.type)).toThrow(expect.objectContaining({ code: 'UNKNOWN_MODEL' }))
    const counterV2 = new DormantModel(CounterModel.type.url, 2, 'UNSUPPORTED_VERSION')
    expect(() => counterV2.revive(CounterModel.type)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }))
    expect(() => dormant.restoreEncoded(counterV2.snapshotEncoded())).toThrow(expect.objectContaining({ code: 'INVALID_SNAPSHOT' }))
    expect(() => dormant.restoreEncoded(new Uint8Array([0xff, 0xff]))).toThrow(expect.objectContaining({ code: 'INVALID_SNAPSHOT' }))
    const withBadSnapshot = new DormantModel(CounterModel.type.url, 1, 'UNKNOWN_MODEL')
    withBadSnapshot.adoptModelSnapshot(new Uint8Array([0xff]))
    expect(() => withBadSnapshot.revive(CounterModel.type)).toThrow(expect.objectContaining({ code: 'INVALID_SNAPSHOT' }))
  })
})
