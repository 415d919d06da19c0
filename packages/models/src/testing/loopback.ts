// A writer that processes each mutation at once as the next block of one feed: echo-db for a lone writer.
import type { AnyModel, ModelType } from '../model'
import { testKey, testMeta } from './meta'

export interface Loopback<T extends AnyModel> {
  model: T
  /** Every mutation written so far, in order. */
  written: Uint8Array[]
}

export function loopback<T extends AnyModel> (type: ModelType<T>, writer = 0): Loopback<T> {
  const written: Uint8Array[] = []
  const model: T = type.create(type, {
    feedKey: testKey(writer, 'feed'),
    writer: async (mutation) => {
      const block = written.length
      written.push(mutation)
      // Resolve after processing, like echo-db's receipt (a microtask later, as an append would be).
      await Promise.resolve()
      model.processEncoded(mutation, testMeta(writer, block, 0, block))
    }
  })
  return { model, written }
}
