// Fuzzing the byte-level face of every built-in model (what echo-db hands a peer's bytes to): processEncoded and
// restoreEncoded with random bytes and with valid mutations and snapshots mutated. A refused input must be refused
// with a ModelError naming it (INVALID_MUTATION / INVALID_SNAPSHOT, never a crash of the model's own code) and must
// leave the model exactly as it was; whatever is accepted must leave a model that snapshots and restores cleanly.
import fc from 'fast-check'
import { CounterModel } from './counter-model'
import { DormantModel } from './dormant-model'
import { ModelError } from './errors'
import { MessengerModel } from './messenger-model'
import type { AnyModel, EncodedModel, ModelType } from './model'
import { ObjectModel } from './object-model'
import { TextModel } from './text-model'
import { loopback } from './testing/loopback'
import { testMeta } from './testing/meta'
import { byteEdits, mutate } from '@echodb/feed-store/testing'

interface Subject {
  name: string
  /** A fresh model holding the prepared state. */
  fresh: () => EncodedModel & { readonly state?: unknown }
  /** Valid mutations (to mutate) and the prepared state's snapshot. */
  mutations: Uint8Array[]
  snapshot: Uint8Array
  /** The error code a refused mutation must carry. */
  refused: string
}

async function prepare<T extends AnyModel> (type: ModelType<T>, write: (model: T) => Promise<void>): Promise<Subject> {
  const { model, written } = loopback(type)
  await write(model)
  const snapshot = model.snapshotEncoded()
  return {
    name: type.url,
    fresh: () => {
      const copy = type.create(type, {})
      copy.restoreEncoded(snapshot)
      return copy
    },
    mutations: written,
    snapshot,
    refused: 'INVALID_MUTATION'
  }
}

const subjects: Subject[] = []
beforeAll(async () => {
  subjects.push(await prepare(ObjectModel.type, async (m) => {
    await m.set('title', 'fuzz')
    await m.set('nested.deep.value', 42)
    await m.set('list', [1, 'two', { three: 3 }, null, true])
    await m.batch((b) => b.set('a', -1.5).set('b', new Uint8Array([1, 2, 3])))
    await m.delete('a')
  }))
  subjects.push(await prepare(CounterModel.type, async (m) => {
    await m.increment(41)
    await m.decrement(2)
    await m.increment(3n)
  }))
  subjects.push(await prepare(MessengerModel.type, async (m) => {
    await m.send('hello', { time: 1 })
    await m.send('world', { time: 2 })
  }))
  subjects.push(await prepare(TextModel.type, async (m) => {
    await m.insert(0, 'hello world')
    await m.delete(0, 6)
    await m.insert(5, '!')
  }))
  // A dormant item keeps any bytes it is given (it cannot judge them); its snapshot must still be robust.
  const dormant = new DormantModel('example.com/model/unknown', 1, 'UNKNOWN_MODEL')
  dormant.processEncoded(subjects[0].mutations[0], testMeta(0, 0, 0, 0))
  const dormantSnapshot = dormant.snapshotEncoded()
  subjects.push({
    name: 'dormant',
    fresh: () => {
      const copy = new DormantModel('example.com/model/unknown', 1, 'UNKNOWN_MODEL')
      copy.restoreEncoded(dormantSnapshot)
      return copy
    },
    mutations: [subjects[0].mutations[0]],
    snapshot: dormantSnapshot,
    refused: 'INVALID_MUTATION'
  })
})

const editsArb = byteEdits(5)


function plain (value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`
  if (value instanceof Uint8Array) return { $hex: Buffer.from(value).toString('hex') }
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).map((k) => [k, plain((value as Record<string, unknown>)[k])]))
  }
  return value ?? null
}

/** The state apps read, as a string. */
function describeState (model: EncodedModel): string {
  return JSON.stringify(plain((model as { state?: unknown }).state))
}

/** The model's snapshot and state survive a snapshot/restore round trip (so the state is not corrupt). */
function checkConsistent (subject: Subject, model: EncodedModel): void {
  const snapshot = model.snapshotEncoded()
  const copy = subject.fresh()
  copy.restoreEncoded(snapshot)
  expect(describeState(copy)).toBe(describeState(model))
}

const bytesFor = (pick: (s: Subject) => Uint8Array[]) => (subject: Subject): fc.Arbitrary<Uint8Array> => fc.oneof(
  fc.uint8Array({ maxLength: 120 }),
  fc.tuple(fc.constantFrom(...pick(subject)), editsArb).map(([bytes, edits]) => mutate(bytes, edits))
)

test('processEncoded: refused mutations throw INVALID_MUTATION and change nothing; accepted ones leave a consistent model', () => {
  for (const subject of subjects) {
    fc.assert(fc.property(bytesFor((s) => s.mutations)(subject), fc.nat(3), fc.nat(1000), (bytes, writer, seq) => {
      const model = subject.fresh()
      const before = { snapshot: Buffer.from(model.snapshotEncoded()), revision: model.revision, state: describeState(model) }
      try {
        model.processEncoded(bytes, testMeta(writer + 1, seq, 0, seq + 100))
      } catch (err) {
        expect(err).toBeInstanceOf(ModelError)
        expect((err as ModelError).code).toBe(subject.refused)
        expect((err as Error).message.length).toBeGreaterThan(0)
        expect(Buffer.from(model.snapshotEncoded()).equals(before.snapshot)).toBe(true)
        expect(model.revision).toBe(before.revision)
        expect(describeState(model)).toBe(before.state)
        return
      }
      checkConsistent(subject, model)
    }), { numRuns: 400 })
  }
})

test('every single-byte change of a valid mutation is processed or refused cleanly (deterministic sweep)', () => {
  // Found by the property above: a yjs update with a struct's clock changed made TextModel fail as PROCESS_FAILED.
  for (const subject of subjects) {
    for (const mutation of subject.mutations) {
      for (let at = 0; at < mutation.length; at++) {
        for (const flip of [1, 2, 4, 5, 7, 0x40, 0x80, 0xff]) {
          const bytes = Uint8Array.from(mutation)
          bytes[at] ^= flip
          const model = subject.fresh()
          const before = Buffer.from(model.snapshotEncoded())
          try {
            model.processEncoded(bytes, testMeta(1, 0, 0, 100))
          } catch (err) {
            expect(err).toBeInstanceOf(ModelError)
            expect([subject.name, (err as ModelError).code]).toEqual([subject.name, subject.refused])
            expect(Buffer.from(model.snapshotEncoded()).equals(before)).toBe(true)
            continue
          }
          checkConsistent(subject, model)
        }
      }
    }
  }
})

test('restoreEncoded: bad snapshots throw INVALID_SNAPSHOT and change nothing; accepted ones leave a working model', () => {
  for (const subject of subjects) {
    fc.assert(fc.property(bytesFor((s) => [s.snapshot])(subject), (bytes) => {
      const model = subject.fresh()
      const before = { snapshot: Buffer.from(model.snapshotEncoded()), revision: model.revision, state: describeState(model) }
      try {
        model.restoreEncoded(bytes)
      } catch (err) {
        expect(err).toBeInstanceOf(ModelError)
        expect((err as ModelError).code).toBe('INVALID_SNAPSHOT')
        expect(Buffer.from(model.snapshotEncoded()).equals(before.snapshot)).toBe(true)
        expect(model.revision).toBe(before.revision)
        expect(describeState(model)).toBe(before.state)
        return
      }
      checkConsistent(subject, model)
      // A restored model still processes what a peer sends, or refuses it cleanly.
      for (const mutation of subject.mutations) {
        try {
          model.processEncoded(mutation, testMeta(7, 9999, 0, 99999))
        } catch (err) {
          expect(err).toBeInstanceOf(ModelError)
          expect((err as ModelError).code).toBe('INVALID_MUTATION')
        }
      }
    }), { numRuns: 300 })
  }
})
