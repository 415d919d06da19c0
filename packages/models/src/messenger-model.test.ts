import fc from 'fast-check'
import { join } from 'path'
import { MessengerModel } from './messenger-model'
import { compareOrder } from './order'
import { checkConvergence, runScenario, type ConvergenceSpec } from './testing/convergence'
import { replaySavedCounterexamples } from './testing/replay-saved'
import { loopback } from './testing/loopback'
import { testMeta, toHex } from './testing/meta'

const FIXTURES = join(__dirname, '__fixtures__')
const codec = MessengerModel.type.mutationCodec

describe('MessengerModel', () => {
  test('send lists messages with author, text and time', async () => {
    const { model } = loopback(MessengerModel.type, 2)
    await model.send('on your marks', { time: 1000 })
    await model.send('go')
    expect(model.messages).toHaveLength(2)
    expect(model.messages[0]).toMatchObject({ text: 'on your marks', time: 1000 })
    expect(model.messages[0].author).toEqual(testMeta(2, 0, 0, 0).identityKey)
    expect(model.messages[1].text).toBe('go')
    expect(Math.abs(model.messages[1].time - Date.now())).toBeLessThan(60_000)
    expect(model.state).toBe(model.messages)
  })

  test('messages are ordered by order stamp, not arrival or the author clock', () => {
    const model = new MessengerModel()
    const late = codec.encode({ text: 'second', time: 1 })
    const early = codec.encode({ text: 'first', time: 99 })
    model.processEncoded(late, testMeta(1, 3, 0, 5))
    model.processEncoded(early, testMeta(0, 2, 0, 2))
    // A concurrent message with the same seq: the feed key decides, identically everywhere.
    const tie = codec.encode({ text: 'tie', time: 0 })
    model.processEncoded(tie, testMeta(2, 0, 0, 5))
    expect(model.messages.map((m) => m.text)).toEqual(
      [['first', testMeta(0, 2, 0, 2)], ['second', testMeta(1, 3, 0, 5)], ['tie', testMeta(2, 0, 0, 5)]]
        .sort((a, b) => compareOrder((a[1] as ReturnType<typeof testMeta>).order, (b[1] as ReturnType<typeof testMeta>).order))
        .map(([text]) => text))
    // The same mutation processed twice is listed once.
    expect(model.processEncoded(early, testMeta(0, 2, 0, 2))).toBe(false)
    expect(model.messages).toHaveLength(3)
  })

  test('refused input changes nothing', async () => {
    const model = new MessengerModel()
    for (const bytes of [new Uint8Array([0x0a, 0x05]), codec.encode({ text: '' }), codec.encode({ text: 'x', time: Number.NaN })]) {
      expect(() => model.processEncoded(bytes, testMeta(0, 0, 0, 0))).toThrow(expect.objectContaining({ code: 'INVALID_MUTATION' }))
    }
    expect(model.messages).toHaveLength(0)
    const snapshotCodec = MessengerModel.type.snapshotCodec
    const order = { seq: 1, feed: 'cd'.repeat(32), block: 0, index: 0 }
    const bad = [
      snapshotCodec.encode({ messages: [{ author: new Uint8Array(32), text: 'x', time: 0 }] }),
      snapshotCodec.encode({ messages: [{ author: new Uint8Array(0), text: 'x', time: 0, order }] }),
      snapshotCodec.encode({ messages: [{ author: new Uint8Array(32), text: 'x', time: 0, order }, { author: new Uint8Array(32), text: 'y', time: 0, order }] })
    ]
    for (const bytes of bad) expect(() => model.restoreEncoded(bytes)).toThrow(expect.objectContaining({ code: 'INVALID_SNAPSHOT' }))
    const { model: writer } = loopback(MessengerModel.type)
    await expect(writer.send('')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(writer.send('x', { time: Number.POSITIVE_INFINITY })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  describe('convergence', () => {
    test('property: replicas list the same messages in the same order', async () => {
      await checkConvergence(messengerSpec, { fixturesDir: FIXTURES, numRuns: Number(process.env.ECHO_FC_RUNS ?? 200) })
    })

  })
})

type MessengerAction = { text: string, time: number }

const messengerSpec: ConvergenceSpec<MessengerModel, MessengerAction> = {
  name: 'messenger',
  type: MessengerModel.type,
  action: fc.record({ text: fc.string({ minLength: 1, maxLength: 4 }), time: fc.nat({ max: 10_000 }) }),
  perform: async (model, action) => await model.send(action.text, { time: action.time }),
  canonical: (model) => model.messages.map((m) => [toHex(m.author), m.text, m.time, m.order])
}

// After the spec: the fixtures are declared as tests when the file is loaded.
describe('saved counterexamples', () => replaySavedCounterexamples(messengerSpec, FIXTURES))
