import { echo } from '@echodb/proto'
import fc from 'fast-check'
import { join } from 'path'
import { ModelError } from './errors'
import { compareOrder } from './order'
import { ObjectModel, parsePath } from './object-model'
import { canonicalValue } from './testing/canonical'
import { checkConvergence, runScenario, type ConvergenceSpec } from './testing/convergence'
import { replaySavedCounterexamples } from './testing/replay-saved'
import { loopback } from './testing/loopback'
import { testMeta } from './testing/meta'
import { Reference, decodeValue, encodeValue, type PropertyValue } from './value'

const FIXTURES = join(__dirname, '__fixtures__')
const Kind = echo.models.ValueKind
const NULL: echo.models.IValue = { kind: Kind.VALUE_NULL }
const NUM = (number: number): echo.models.IValue => ({ kind: Kind.VALUE_NUMBER, number })
const codec = ObjectModel.type.mutationCodec

function setMutation (path: string[], value: PropertyValue): Uint8Array {
  return codec.encode({ ops: [{ path, value: encodeValue(value) }] })
}

function deleteMutation (path: string[]): Uint8Array {
  return codec.encode({ ops: [{ path, delete: true }] })
}

/** Applies (mutation, seq) pairs to a fresh model in the given order; writer = seq % 3. */
function applyAll (writes: Array<[Uint8Array, number]>): ObjectModel {
  const model = new ObjectModel()
  for (const [mutation, seq] of writes) model.processEncoded(mutation, testMeta(seq % 3, seq, 0, seq))
  return model
}

async function expectCode (promise: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  const run = typeof promise === 'function' ? async () => promise() : async () => await promise
  await expect(run()).rejects.toMatchObject({ code })
  await expect(run()).rejects.toBeInstanceOf(ModelError)
}

describe('ObjectModel', () => {
  test('set, get, nested paths, delete and toObject', async () => {
    const { model } = loopback(ObjectModel.type)
    await model.set('title', 'Heat 3')
    await model.set('venue.name', 'Stadium')
    await model.set(['venue', 'lanes'], 8)
    await model.set('times', [12.1, 12.4, { lane: 3 }])
    await model.set('flags', { final: false, wind: null })
    expect(model.get('title')).toBe('Heat 3')
    expect(model.get('venue')).toEqual({ name: 'Stadium', lanes: 8 })
    expect(model.get('venue.lanes')).toBe(8)
    expect(model.get('times')).toEqual([12.1, 12.4, { lane: 3 }])
    expect(model.get('flags.wind')).toBeNull()
    expect(model.get('flags.final')).toBe(false)
    expect(model.get('missing.deeper')).toBeUndefined()
    expect(model.get('title.length')).toBeUndefined()
    await model.delete('venue.name')
    expect(model.toObject()).toEqual({
      title: 'Heat 3', venue: { lanes: 8 }, times: [12.1, 12.4, { lane: 3 }], flags: { final: false, wind: null }
    })
    expect(model.has('venue.name')).toBe(false)
    expect(model.state).toEqual(model.toObject())
  })

  test('writes below a written object value overlay it, keeping its keys', async () => {
    const { model } = loopback(ObjectModel.type)
    await model.set('athlete', { name: 'Ada', club: { name: 'North', city: 'Oslo' } })
    await model.set('athlete.club.city', 'Bergen')
    await model.set('athlete.bib', 42)
    expect(model.get('athlete.club')).toEqual({ name: 'North', city: 'Bergen' })
    expect(model.get('athlete.club.name')).toBe('North')
    expect(model.toObject()).toEqual({ athlete: { name: 'Ada', club: { name: 'North', city: 'Bergen' }, bib: 42 } })
    await model.delete('athlete.club')
    expect(model.get('athlete')).toEqual({ name: 'Ada', bib: 42 })
  })

  test('values read back are frozen', async () => {
    const { model } = loopback(ObjectModel.type)
    await model.set('a', { b: [1, { c: 2 }] })
    await model.set('d.e', 1)
    const object = model.toObject()
    expect(Object.isFrozen(object)).toBe(true)
    expect(Object.isFrozen(model.get('a'))).toBe(true)
    expect(Object.isFrozen((model.get('a.b') as PropertyValue[])[1])).toBe(true)
    expect(Object.isFrozen(model.get('d'))).toBe(true)
  })

  test('bytes, references, and keys like __proto__ and toString are plain data', async () => {
    const { model } = loopback(ObjectModel.type)
    const party = new Uint8Array(32).fill(7)
    await model.set('key', new Uint8Array([1, 2, 3]))
    await model.set('same', new Reference('0123456789abcdef0123456789abcdef'))
    await model.set('other', new Reference('fedcba9876543210fedcba9876543210', party))
    await model.set(['__proto__'], { polluted: true })
    await model.set('toString', 'text')
    await model.set('obj', JSON.parse('{"__proto__": {"x": 1}, "constructor": 2}') as PropertyValue)
    expect(model.get('key')).toEqual(new Uint8Array([1, 2, 3]))
    const ref = model.get('same') as Reference
    expect(ref).toBeInstanceOf(Reference)
    expect(ref.itemId).toBe('0123456789abcdef0123456789abcdef')
    expect(ref.partyKey).toBeUndefined()
    expect((model.get('other') as Reference).partyKey).toEqual(party)
    expect(model.get('__proto__')).toEqual({ polluted: true })
    expect(model.get('toString')).toBe('text')
    expect(model.get('obj.__proto__')).toEqual({ x: 1 })
    expect(Object.keys(model.toObject())).toContain('__proto__')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(model.get('nothing.toString')).toBeUndefined()
    expect(model.get('constructor')).toBeUndefined()
  })

  test('a batch lands in one mutation and applies in order', async () => {
    const { model, written } = loopback(ObjectModel.type)
    await model.batch((b) => b.set('a', 1).set('b.c', 2).delete('a').set('b', { d: 3 }).set('b.e', 4))
    expect(written).toHaveLength(1)
    expect(model.toObject()).toEqual({ b: { d: 3, e: 4 } })
    await model.update({ x: 1, y: 'two', b: undefined })
    expect(written).toHaveLength(2)
    expect(model.toObject()).toEqual({ x: 1, y: 'two' })
    await model.batch(() => {})
    await model.update({})
    expect(written).toHaveLength(2)
  })

  test('update takes keys whole; encodeProps is the same mutation', async () => {
    const { model, written } = loopback(ObjectModel.type)
    await model.update({ 'a.b': 1, title: 'x' })
    expect(model.get(['a.b'])).toBe(1)
    expect(model.get('a')).toBeUndefined()
    expect(ObjectModel.encodeProps({ 'a.b': 1, title: 'x' })).toEqual(written[0])
  })

  test('last writer wins per path by order stamp, in any arrival order', () => {
    const early = setMutation(['title'], 'early')
    const late = setMutation(['title'], 'late')
    const other = setMutation(['other'], 1)
    expect(applyAll([[early, 1], [late, 2], [other, 0]]).toObject()).toEqual({ title: 'late', other: 1 })
    expect(applyAll([[late, 2], [other, 0], [early, 1]]).toObject()).toEqual({ title: 'late', other: 1 })
    // Equal seq: the feed key breaks the tie, the same way on every replica.
    const a = new ObjectModel()
    const b = new ObjectModel()
    a.processEncoded(early, testMeta(0, 0, 0, 5))
    a.processEncoded(late, testMeta(1, 0, 0, 5))
    b.processEncoded(late, testMeta(1, 0, 0, 5))
    b.processEncoded(early, testMeta(0, 0, 0, 5))
    expect(a.toObject()).toEqual(b.toObject())
  })

  test('a set on a races a set on a.b: the later stamp decides', () => {
    const setA = setMutation(['a'], 1)
    const setAB = setMutation(['a', 'b'], 2)
    // a.b later: a becomes an object holding b.
    expect(applyAll([[setA, 1], [setAB, 2]]).toObject()).toEqual({ a: { b: 2 } })
    expect(applyAll([[setAB, 2], [setA, 1]]).toObject()).toEqual({ a: { b: 2 } })
    // a later: it replaces everything below it.
    expect(applyAll([[setA, 2], [setAB, 1]]).toObject()).toEqual({ a: 1 })
    expect(applyAll([[setAB, 1], [setA, 2]]).toObject()).toEqual({ a: 1 })
    // A delete of a.b that is later than a set of a (a number) leaves an empty object.
    expect(applyAll([[setA, 1], [deleteMutation(['a', 'b']), 2]]).toObject()).toEqual({ a: {} })
    // An older delete of a does not remove a newer a.b.
    expect(applyAll([[setAB, 2], [deleteMutation(['a']), 1]]).toObject()).toEqual({ a: { b: 2 } })
    expect(applyAll([[deleteMutation(['a']), 1], [setAB, 2]]).toObject()).toEqual({ a: { b: 2 } })
    // A later write into an array value replaces the array with an object.
    const setArray = setMutation(['a'], [1, 2])
    expect(applyAll([[setArray, 1], [setMutation(['a', '0'], 'x'), 2]]).toObject()).toEqual({ a: { 0: 'x' } })
  })

  test('a delete is remembered: an older set arriving later stays deleted', () => {
    const set = setMutation(['a'], 1)
    const del = deleteMutation(['a'])
    expect(applyAll([[del, 2], [set, 1]]).toObject()).toEqual({})
    expect(applyAll([[set, 1], [del, 2]]).toObject()).toEqual({})
    expect(applyAll([[set, 3], [del, 2]]).toObject()).toEqual({ a: 1 })
  })

  test('keys added by separate writes come out in the same order on every replica', () => {
    const x = setMutation(['x'], 1)
    const y = setMutation(['y'], 2)
    const first = applyAll([[x, 1], [y, 2]])
    const second = applyAll([[y, 2], [x, 1]])
    expect(JSON.stringify(first.toObject())).toBe(JSON.stringify(second.toObject()))
  })

  test('refused mutations throw INVALID_MUTATION and change nothing', () => {
    const model = applyAll([[setMutation(['a'], 1), 1]])
    const revision = model.revision
    const bad: Array<[string, Uint8Array]> = [
      ['garbage bytes', new Uint8Array([0xff, 0xff, 0xff])],
      ['no operations', codec.encode({ ops: [] })],
      ['empty path', codec.encode({ ops: [{ path: [], value: NUM(1) }] })],
      ['empty key', codec.encode({ ops: [{ path: ['a', ''], value: NUM(1) }] })],
      ['too long a path', codec.encode({ ops: [{ path: new Array(65).fill('k'), value: NUM(1) }] })],
      ['value without kind', codec.encode({ ops: [{ path: ['a'], value: {} }] })],
      ['value of an unknown kind', codec.encode({ ops: [{ path: ['a'], value: { kind: 99 as echo.models.ValueKind } }] })],
      ['neither set nor delete', codec.encode({ ops: [{ path: ['a'] }] })],
      ['both set and delete', codec.encode({ ops: [{ path: ['a'], value: NUM(1), delete: true }] })],
      ['NaN', codec.encode({ ops: [{ path: ['a'], value: NUM(Number.NaN) }] })],
      ['Infinity', codec.encode({ ops: [{ path: ['a'], value: NUM(Number.POSITIVE_INFINITY) }] })],
      ['duplicate keys', codec.encode({
        ops: [{ path: ['a'], value: { kind: Kind.VALUE_OBJECT, entries: [{ key: 'k', value: NULL }, { key: 'k', value: NULL }] } }]
      })],
      ['a bad reference', codec.encode({ ops: [{ path: ['a'], value: { kind: Kind.VALUE_REFERENCE, reference: { itemId: '' } } }] })],
      ['a bad party key', codec.encode({ ops: [{ path: ['a'], value: { kind: Kind.VALUE_REFERENCE, reference: { itemId: 'x', partyKey: new Uint8Array(5) } } }] })],
      ['too deep', codec.encode({ ops: [{ path: ['a'], value: nested(40) }] })],
      // The first operation is fine, the second is not: nothing at all is applied.
      ['half valid', codec.encode({ ops: [{ path: ['b'], value: NUM(2) }, { path: ['c'] }] })]
    ]
    for (const [name, bytes] of bad) {
      let error: unknown
      try {
        model.processEncoded(bytes, testMeta(0, 9, 0, 9))
      } catch (err) {
        error = err
      }
      expect({ name, error }).toMatchObject({ name, error: expect.objectContaining({ code: 'INVALID_MUTATION' }) })
    }
    expect(model.toObject()).toEqual({ a: 1 })
    expect(model.revision).toBe(revision)
  })

  test('hostile nesting far past every limit is refused, not a crash', () => {
    const model = new ObjectModel()
    // Encoded by hand: the encoder refuses to build such a value. Value.kind = 1 (a varint), Value.items = 6.
    let value: Buffer = Buffer.from(echo.models.Value.encode(NULL).finish())
    for (let i = 0; i < 2000; i++) value = Buffer.concat([Buffer.from([0x08, echo.models.ValueKind.VALUE_LIST]), field(6, value)])
    const op = field(1, Buffer.concat([field(1, Buffer.from('a')), field(2, value)]))
    expect(() => model.processEncoded(op, testMeta(0, 0, 0, 0))).toThrow(expect.objectContaining({ code: 'INVALID_MUTATION' }))
    expect(model.toObject()).toEqual({})
  })

  test('bad arguments reject with INVALID_ARGUMENT and write nothing', async () => {
    const { model, written } = loopback(ObjectModel.type)
    await expectCode(model.set('a', undefined as unknown as PropertyValue), 'INVALID_ARGUMENT')
    await expectCode(model.set('a', Number.NaN), 'INVALID_ARGUMENT')
    await expectCode(model.set('a', (() => 1) as unknown as PropertyValue), 'INVALID_ARGUMENT')
    await expectCode(model.set('a', new Date() as unknown as PropertyValue), 'INVALID_ARGUMENT')
    await expectCode(model.set('a', 10n as unknown as PropertyValue), 'INVALID_ARGUMENT')
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    await expectCode(model.set('a', cyclic as PropertyValue), 'INVALID_ARGUMENT')
    await expectCode(model.set('', 1), 'INVALID_ARGUMENT')
    await expectCode(model.set('a..b', 1), 'INVALID_ARGUMENT')
    await expectCode(model.set([], 1), 'INVALID_ARGUMENT')
    await expectCode(model.delete('a.'), 'INVALID_ARGUMENT')
    await expectCode(model.update({ '': 1 }), 'INVALID_ARGUMENT')
    expect(() => new Reference('')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => new Reference('x', new Uint8Array(3))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(written).toHaveLength(0)
    expect(parsePath('a.b')).toEqual(['a', 'b'])
    expect(parsePath(['a.b'])).toEqual(['a.b'])
  })

  test('a model without a writer is read-only', async () => {
    const model = new ObjectModel()
    expect(model.readOnly).toBe(true)
    await expectCode(model.set('a', 1), 'READ_ONLY')
  })

  test('subscribers hear every change until they unsubscribe; a throwing listener does not stop processing', () => {
    const model = new ObjectModel()
    const seen: unknown[] = []
    const unsubscribe = model.subscribe((m) => seen.push(m.get('a')))
    model.subscribe(() => { throw new Error('listener bug') })
    model.processEncoded(setMutation(['a'], 1), testMeta(0, 0, 0, 0))
    model.processEncoded(setMutation(['a'], 0), testMeta(0, 0, 0, 0)) // equal stamp from the same... counts as a write
    model.processEncoded(setMutation(['a'], 2), testMeta(0, 1, 0, 1))
    unsubscribe()
    model.processEncoded(setMutation(['a'], 3), testMeta(0, 2, 0, 2))
    expect(seen).toEqual([1, 0, 2])
    expect(model.get('a')).toBe(3)
    expect(model.revision).toBe(4)
    // An older write that loses changes nothing and tells no one.
    const before = model.revision
    expect(model.processEncoded(setMutation(['a'], 9), testMeta(1, 0, 0, 0))).toBe(false)
    expect(model.revision).toBe(before)
  })

  test('snapshot and restore keep values and stamps, so later writes still resolve correctly', () => {
    const model = applyAll([
      [setMutation(['a'], { x: 1, y: [1, 2] }), 1],
      [setMutation(['a', 'z'], new Uint8Array([9])), 2],
      [deleteMutation(['gone']), 4],
      [setMutation(['ref'], new Reference('abc', new Uint8Array(32).fill(1))), 3]
    ])
    const restored = new ObjectModel()
    restored.restoreEncoded(model.snapshotEncoded())
    expect(canonicalValue(restored.toObject())).toEqual(canonicalValue(model.toObject()))
    // The tombstone at seq 4 and the write at seq 2 still win over older writes arriving now.
    for (const m of [model, restored]) {
      m.processEncoded(setMutation(['gone'], 'back'), testMeta(0, 3, 0, 3))
      m.processEncoded(setMutation(['a', 'z'], 'older'), testMeta(0, 1, 1, 1))
      m.processEncoded(setMutation(['a', 'x'], 'newer'), testMeta(1, 5, 0, 5))
    }
    expect(canonicalValue(restored.toObject())).toEqual(canonicalValue(model.toObject()))
    expect(restored.get('gone')).toBeUndefined()
    expect(restored.get('a.x')).toBe('newer')
    // Restoring an empty snapshot empties the model.
    restored.restoreEncoded(new ObjectModel().snapshotEncoded())
    expect(restored.toObject()).toEqual({})
  })

  test('bad snapshots throw INVALID_SNAPSHOT and leave the state alone', () => {
    const model = applyAll([[setMutation(['a'], 1), 1]])
    const snapshotCodec = ObjectModel.type.snapshotCodec
    const feeds = [new Uint8Array(32).fill(0xab)]
    const one = { feeds, stampSeq: [1], stampFeed: [0], stampBlock: [0], stampIndex: [0] }
    const bad = [
      new Uint8Array([0xff, 0x01]),
      snapshotCodec.encode({ ...one, entries: [{ path: ['a'], stamp: 3, value: NULL }] }),
      snapshotCodec.encode({ ...one, feeds: [new Uint8Array(5)], entries: [{ path: ['a'], stamp: 0, value: NULL }] }),
      snapshotCodec.encode({ ...one, stampFeed: [1], entries: [{ path: ['a'], stamp: 0, value: NULL }] }),
      snapshotCodec.encode({ ...one, stampSeq: [1.5], entries: [{ path: ['a'], stamp: 0, value: NULL }] }),
      snapshotCodec.encode({ ...one, stampBlock: [], entries: [{ path: ['a'], stamp: 0, value: NULL }] }),
      snapshotCodec.encode({ ...one, entries: [{ path: ['a'], stamp: 0 }] }),
      snapshotCodec.encode({ ...one, entries: [{ path: [], stamp: 0, value: NULL }] }),
      snapshotCodec.encode({ ...one, entries: [{ path: ['a'], stamp: 0, deleted: true, value: NULL }] }),
      snapshotCodec.encode({ ...one, entries: [{ path: ['a'], stamp: 0, deleted: true }, { path: ['a'], stamp: 0, deleted: true }] }),
      snapshotCodec.encode({
        feeds,
        stampSeq: [1, 0],
        stampFeed: [0, 0],
        stampBlock: [0, 0],
        stampIndex: [0, 0],
        entries: [{ path: ['a'], stamp: 0, deleted: true }, { path: ['a', 'b'], stamp: 1, value: NULL }]
      })
    ]
    for (const bytes of bad) {
      expect(() => model.restoreEncoded(bytes)).toThrow(expect.objectContaining({ code: 'INVALID_SNAPSHOT' }))
    }
    expect(model.toObject()).toEqual({ a: 1 })
  })

  test('property: values round-trip through their wire form', () => {
    fc.assert(fc.property(propertyValue(), (value) => {
      const bytes = echo.models.Value.encode(encodeValue(value)).finish()
      const back = decodeValue(echo.models.Value.decode(bytes), 'INVALID_MUTATION')
      expect(canonicalValue(back)).toEqual(canonicalValue(value))
    }), { numRuns: 300 })
  })

  test('property: the state is every operation applied in order-stamp order, whatever the arrival order', () => {
    const mutation = fc.array(fc.record({ path, value: jsonish }, { requiredKeys: ['path'] }), { minLength: 1, maxLength: 3 })
    const input = fc.array(fc.tuple(mutation, fc.nat({ max: 6 })), { minLength: 1, maxLength: 12 })
      .chain((writes) => fc.tuple(fc.constant(writes), fc.shuffledSubarray(writes.map((_, i) => i), { minLength: writes.length }), fc.nat({ max: writes.length })))
    fc.assert(fc.property(input, ([writes, arrival, cut]) => {
      const metas = writes.map(([, seq], i) => testMeta(i % 3, i, 0, seq))
      const encoded = writes.map(([ops]) => codec.encode({
        ops: ops.map((op) => op.value === undefined ? { path: op.path, delete: true } : { path: op.path, value: encodeValue(op.value as PropertyValue) })
      }))
      // The oracle: a plain object, operations applied one after the other in stamp order.
      const expected: Record<string, unknown> = {}
      const byStamp = writes.map((_, i) => i).sort((a, b) => compareOrder(metas[a].order, metas[b].order))
      for (const i of byStamp) for (const op of writes[i][0]) applySequentially(expected, op.path, op.value)
      let model = new ObjectModel()
      arrival.forEach((i, k) => {
        if (k === cut) {
          const restored = new ObjectModel()
          restored.restoreEncoded(model.snapshotEncoded())
          model = restored
        }
        model.processEncoded(encoded[i], metas[i])
      })
      expect(canonicalValue(model.toObject())).toEqual(expected)
    }), { numRuns: 500 })
  })

  describe('convergence', () => {
    test('property: replicas converge in any causal order, from snapshots and from dormancy', async () => {
      await checkConvergence(objectSpec, { fixturesDir: FIXTURES, numRuns: Number(process.env.ECHO_FC_RUNS ?? 200) })
    })

  })
})

type ObjectAction =
  | { op: 'set', path: string[], value: unknown }
  | { op: 'delete', path: string[] }
  | { op: 'batch', ops: Array<{ path: string[], value?: unknown }> }

// A small alphabet of keys makes paths collide: races between a, a.b and a.b.c happen often.
const key = fc.constantFrom('a', 'b', 'c')
const path = fc.array(key, { minLength: 1, maxLength: 3 })
const jsonish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -5, max: 5 }), fc.constantFrom('x', 'y', ''), fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }))
})).value

const objectSpec: ConvergenceSpec<ObjectModel, ObjectAction> = {
  name: 'object',
  type: ObjectModel.type,
  action: fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), path, value: jsonish }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), path }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('batch' as const),
        ops: fc.array(fc.record({ path, value: jsonish }, { requiredKeys: ['path'] }), { minLength: 1, maxLength: 4 })
      })
    }
  ),
  perform: async (model, action) => {
    switch (action.op) {
      case 'set': return await model.set(action.path, action.value as PropertyValue)
      case 'delete': return await model.delete(action.path)
      case 'batch': return await model.batch((b) => {
        for (const op of action.ops) {
          if (op.value === undefined) b.delete(op.path)
          else b.set(op.path, op.value as PropertyValue)
        }
      })
    }
  },
  canonical: (model) => canonicalValue(model.toObject())
}

function propertyValue (): fc.Arbitrary<PropertyValue> {
  const leaf: fc.Arbitrary<PropertyValue> = fc.oneof(
    fc.constant(null), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(),
    fc.uint8Array({ maxLength: 8 }),
    fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: undefined }))
      .map(([id, party]) => new Reference(id, party))
  )
  return fc.letrec<{ value: PropertyValue }>((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }))
  })).value
}

function nested (depth: number): echo.models.IValue {
  let value: echo.models.IValue = NULL
  for (let i = 0; i < depth; i++) value = { kind: Kind.VALUE_LIST, items: [value] }
  return value
}

// Minimal protobuf framing for the hostile nesting test: field `n`, wire type 2 (length-delimited).
function field (n: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((n << 3) | 2), varint(payload.length), payload])
}
function varint (n: number): Buffer {
  const out: number[] = []
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n >>>= 7 }
  out.push(n)
  return Buffer.from(out)
}

/** The specified semantics, naively: writing (set or delete) below a non-object first makes it an object. */
function applySequentially (root: Record<string, unknown>, path: string[], value: unknown): void {
  let node = root
  for (const key of path.slice(0, -1)) {
    const next = node[key]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  const last = path[path.length - 1]
  if (value === undefined) delete node[last]
  else node[last] = JSON.parse(JSON.stringify(value))
}

// After the spec: the fixtures are declared as tests when the file is loaded.
describe('saved counterexamples', () => replaySavedCounterexamples(objectSpec, FIXTURES))
