import type * as YTypes from 'yjs' with { 'resolution-mode': 'import' }
import fc from 'fast-check'
import { join } from 'path'
import { TextModel, textClientId } from './text-model'
import { checkConvergence, runScenario, type ConvergenceSpec } from './testing/convergence'
import { replaySavedCounterexamples } from './testing/replay-saved'
import { loopback } from './testing/loopback'
import { testKey, testMeta } from './testing/meta'

const FIXTURES = join(__dirname, '__fixtures__')
const codec = TextModel.type.mutationCodec

/** Writer `w`'s replica (writing to feed testKey(w)), whose mutations are collected instead of processed. */
function collecting (w = 0): { model: TextModel, out: Uint8Array[], fail: { next: boolean } } {
  const out: Uint8Array[] = []
  const fail = { next: false }
  const model = new TextModel(TextModel.type, {
    feedKey: testKey(w, 'feed'),
    writer: async (mutation) => {
      if (fail.next) {
        fail.next = false
        throw new Error('append failed')
      }
      out.push(mutation)
    }
  })
  return { model, out, fail }
}

describe('TextModel', () => {
  test('insert and delete; the text changes when the mutation is processed', async () => {
    const { model, written } = loopback(TextModel.type)
    expect(model.text).toBe('')
    await model.insert(0, 'hello world')
    expect(model.text).toBe('hello world')
    await model.delete(5, 6)
    await model.insert(5, ', heats')
    expect(model.text).toBe('hello, heats')
    expect(model.length).toBe(12)
    expect(String(model)).toBe('hello, heats')
    expect(model.state).toBe('hello, heats')
    expect(written).toHaveLength(3)
    await model.edit((y) => { y.insert(0, '>'); y.insert(y.length, '<') })
    expect(model.text).toBe('>hello, heats<')
    expect(written).toHaveLength(4)
    await model.insert(0, '')
    await model.delete(0, 0)
    expect(written).toHaveLength(4)
  })

  test('positions of local edits count edits still in flight', async () => {
    const { model } = loopback(TextModel.type)
    const receipts = [model.insert(0, 'a'), model.insert(1, 'b'), model.insert(2, 'c')]
    expect(model.text).toBe('') // nothing processed yet
    await Promise.all(receipts)
    expect(model.text).toBe('abc')
  })

  test('a feed writes as its own yjs client only: a mutation naming another client is refused, whatever the order', async () => {
    const honest = await edited('honest', 1)
    // Feed 2 forges an edit as feed 1's client (same client id, same clock): yjs alone would keep whichever came first.
    const Y = require('yjs') as typeof YTypes
    const forger = new Y.Doc()
    forger.clientID = textClientId(testKey(1, 'feed'))
    const updates: Uint8Array[] = []
    forger.on('update', (u: Uint8Array) => updates.push(u))
    forger.getText('text').insert(0, 'forged')
    const forged = codec.encode({ update: updates[0] })
    for (const order of [[0, 1], [1, 0]]) {
      const model = new TextModel()
      const blocks = [() => model.processEncoded(honest, testMeta(1, 0, 0, 0)), () => model.processEncoded(forged, testMeta(2, 0, 0, 0))]
      const results = order.map((i) => { try { blocks[i](); return 'ok' } catch (err) { return (err as { code?: string }).code } })
      expect(results[order.indexOf(1)]).toBe('INVALID_MUTATION')
      expect(results[order.indexOf(0)]).toBe('ok')
      expect(model.text).toBe('honest')
    }
    // Deleting another author's text names that client in the delete set only: allowed.
    const { model: bob, out } = collecting(2)
    bob.processEncoded(honest, testMeta(1, 0, 0, 0))
    await bob.delete(0, 3)
    const model = new TextModel()
    model.processEncoded(honest, testMeta(1, 0, 0, 0))
    model.processEncoded(out[0], testMeta(2, 0, 0, 1))
    expect(model.text).toBe('est')
  })

  test('a writer without a feed key cannot edit; a malformed feed key is refused', async () => {
    const model = new TextModel(TextModel.type, { writer: async () => {} })
    expect(model.readOnly).toBe(true)
    await expect(model.insert(0, 'x')).rejects.toMatchObject({ code: 'READ_ONLY' })
    expect(() => new TextModel(TextModel.type, { feedKey: new Uint8Array(3) })).toThrow(/32-byte feed key/)
    expect(textClientId(new Uint8Array(32).fill(255))).toBeLessThan(2 ** 53)
  })

  test('concurrent edits merge without loss', () => {
    const ada = collecting(0)
    const bob = collecting(1)
    void ada.model.insert(0, 'start ')
    void bob.model.insert(0, 'finish ')
    void ada.model.insert(6, 'line')
    const replicas = [new TextModel(), new TextModel()]
    const all: Array<[Uint8Array, number, number]> = [
      [ada.out[0], 0, 0], [ada.out[1], 0, 1], [bob.out[0], 1, 0]
    ]
    replicas[0].processEncoded(all[0][0], testMeta(0, 0, 0, 0))
    replicas[0].processEncoded(all[1][0], testMeta(0, 1, 0, 1))
    replicas[0].processEncoded(all[2][0], testMeta(1, 0, 0, 0))
    replicas[1].processEncoded(all[2][0], testMeta(1, 0, 0, 0))
    replicas[1].processEncoded(all[0][0], testMeta(0, 0, 0, 0))
    replicas[1].processEncoded(all[1][0], testMeta(0, 1, 0, 1))
    expect(replicas[0].text).toBe(replicas[1].text)
    expect(replicas[0].text).toContain('start line')
    expect(replicas[0].text).toContain('finish ')
    expect(replicas[0].text).toHaveLength('start line'.length + 'finish '.length)
  })

  test('a failed write leaves no trace: the next edit starts from the processed text', async () => {
    const { model, out, fail } = collecting()
    model.processEncoded((await edited('abc', 1)), testMeta(1, 0, 0, 0))
    fail.next = true
    await expect(model.insert(0, 'LOST')).rejects.toThrow('append failed')
    await model.insert(3, '!')
    const replica = new TextModel()
    replica.restoreEncoded(model.snapshotEncoded())
    for (const m of out) replica.processEncoded(m, testMeta(0, 0, 0, 1))
    expect(replica.text).toBe('abc!')
  })

  test('bad arguments and read-only', async () => {
    const { model, written } = loopback(TextModel.type)
    await model.insert(0, 'abc')
    await expect(model.insert(4, 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(model.insert(-1, 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(model.insert(1.5, 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(model.delete(2, 2)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(model.insert(0, 5 as unknown as string)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(written).toHaveLength(1)
    await expect(new TextModel().insert(0, 'x')).rejects.toMatchObject({ code: 'READ_ONLY' })
  })

  test('refused mutations and snapshots change nothing', async () => {
    const model = new TextModel()
    const good = await edited('keep')
    model.processEncoded(good, testMeta(0, 0, 0, 0))
    const truncated = codec.decode(good).update as Uint8Array
    const bad = [
      new Uint8Array([0xff]),
      codec.encode({}),
      codec.encode({ update: new Uint8Array([1, 2, 3, 4, 5, 6]) }),
      codec.encode({ update: truncated.subarray(0, truncated.length - 3) })
    ]
    for (const bytes of bad) {
      expect(() => model.processEncoded(bytes, testMeta(0, 1, 0, 1))).toThrow(expect.objectContaining({ code: 'INVALID_MUTATION' }))
    }
    expect(() => model.restoreEncoded(TextModel.type.snapshotCodec.encode({ state: new Uint8Array([1, 2, 3, 4, 5, 6]) })))
      .toThrow(expect.objectContaining({ code: 'INVALID_SNAPSHOT' }))
    expect(model.text).toBe('keep')
    expect(model.revision).toBe(1)
  })

  test('integers above 2^53 - 1, which lib0 decodes but yjs cannot encode again, are refused', async () => {
    // lib0 checks a varint's range before its last byte only. Accepted, such a struct left a model whose next
    // snapshot threw ("Integer out of Range"): a bad peer could stop every replica from snapshotting.
    const update = codec.decode(await edited('hi')).update as Uint8Array
    let clockAt = 2 // after the counts of clients and structs (one each) comes the client id, then the clock
    while (update[clockAt] >= 0x80) clockAt++
    clockAt++
    expect(update[clockAt]).toBe(0)
    const unsafeClock = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20] // 2^54
    const forged = Uint8Array.from([...update.subarray(0, clockAt), ...unsafeClock, ...update.subarray(clockAt + 1)])
    const model = new TextModel()
    expect(() => model.processEncoded(codec.encode({ update: forged }), testMeta(0, 0, 0, 0)))
      .toThrow(expect.objectContaining({ code: 'INVALID_MUTATION', message: expect.stringContaining('not a safe integer') }))
    expect(model.revision).toBe(0)
    expect(() => model.snapshotEncoded()).not.toThrow()

    // The snapshot models.fuzz.test.ts found (a client id's last varint byte changed): once refused with nothing
    // changed, the model still snapshots.
    const fuzzed = Buffer.from('0a300102e5b0adf29386c95a00010104746578740684e5b0adf29386c90b0506776f726c642101e5b0adf29386c90b010006', 'hex')
    model.processEncoded(await edited('kept'), testMeta(0, 0, 0, 0))
    expect(() => model.restoreEncoded(fuzzed)).toThrow(expect.objectContaining({ code: 'INVALID_SNAPSHOT' }))
    expect(model.text).toBe('kept')
    const copy = new TextModel()
    copy.restoreEncoded(model.snapshotEncoded())
    expect(copy.text).toBe('kept')
  })

  test('snapshot and restore', async () => {
    const { model } = loopback(TextModel.type)
    await model.insert(0, 'lane four')
    await model.delete(0, 5)
    const restored = new TextModel()
    restored.restoreEncoded(model.snapshotEncoded())
    expect(restored.text).toBe('four')
    restored.restoreEncoded(new TextModel().snapshotEncoded())
    expect(restored.text).toBe('')
  })

  describe('convergence', () => {
    test('property: concurrent edits converge in any causal order, from snapshots and from dormancy', async () => {
      await checkConvergence(textSpec, { fixturesDir: FIXTURES, numRuns: Number(process.env.ECHO_FC_RUNS ?? 150) })
    })

    test('property: concurrent inserts lose nothing (every inserted character survives)', async () => {
      const writerEdits = fc.array(fc.array(fc.tuple(fc.nat({ max: 1000 }), fc.string({ minLength: 1, maxLength: 3 })), { maxLength: 5 }), { minLength: 2, maxLength: 4 })
      await fc.assert(fc.asyncProperty(writerEdits, async (writers) => {
        const merged = new TextModel()
        const inserted: string[] = []
        for (const [w, edits] of writers.entries()) {
          const { model, out } = collecting(w)
          for (const [at, text] of edits) {
            await model.edit((y) => y.insert(Math.floor(at / 1001 * (y.length + 1)), text))
            inserted.push(text)
          }
          out.forEach((m, block) => merged.processEncoded(m, testMeta(w, block, 0, block)))
        }
        expect([...merged.text].sort()).toEqual([...inserted.join('')].sort())
      }), { numRuns: 100 })
    })

  })
})

/** The mutation writer `w` produces for inserting `text` into an empty document. */
async function edited (text: string, w = 0): Promise<Uint8Array> {
  const { model, out } = collecting(w)
  await model.insert(0, text)
  return out[0]
}

type TextEdit = { op: 'insert', at: number, text: string } | { op: 'delete', at: number, length: number }
type TextAction = { edits: TextEdit[] }

const edit: fc.Arbitrary<TextEdit> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat({ max: 1000 }), text: fc.string({ minLength: 1, maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat({ max: 1000 }), length: fc.integer({ min: 1, max: 3 }) }) }
)

const textSpec: ConvergenceSpec<TextModel, TextAction> = {
  name: 'text',
  type: TextModel.type,
  // Usually one edit per mutation; sometimes several in one transaction.
  action: fc.record({ edits: fc.array(edit, { minLength: 1, maxLength: 3 }) }),
  perform: async (model, action) => await model.edit((y) => {
    for (const e of action.edits) {
      // Positions are fractions of the current length, so every generated edit is valid where it is made.
      if (e.op === 'insert') {
        y.insert(Math.floor(e.at / 1001 * (y.length + 1)), e.text)
      } else if (y.length > 0) {
        const at = Math.floor(e.at / 1001 * y.length)
        y.delete(at, Math.min(e.length, y.length - at))
      }
    }
  }),
  canonical: (model) => model.text
}

// After the spec: the fixtures are declared as tests when the file is loaded.
describe('saved counterexamples', () => replaySavedCounterexamples(textSpec, FIXTURES))
