import { createModelFactory, builtInModelTypes } from './built-ins'
import { CounterModel } from './counter-model'
import { DormantModel } from './dormant-model'
import { defineModelType, type ModelType } from './model'
import { ModelFactory } from './model-factory'
import { ObjectModel } from './object-model'
import { testMeta } from './testing/meta'

/** ObjectModel under another URL and version list: a stand-in for an app's own type. */
function objectLike (url: string, version = 1, reads?: number[]): ModelType<ObjectModel> {
  return defineModelType<ObjectModel>({
    url,
    version,
    reads,
    mutationCodec: ObjectModel.type.mutationCodec,
    snapshotCodec: ObjectModel.type.snapshotCodec,
    create: (type, context) => new ObjectModel(type, context)
  })
}

describe('ModelFactory', () => {
  test('the built-ins are registered through register', () => {
    const factory = createModelFactory()
    expect(factory.types).toEqual(builtInModelTypes)
    for (const url of ['echodb.org/model/object', 'echodb.org/model/counter', 'echodb.org/model/messenger', 'echodb.org/model/text']) {
      expect(factory.has(url)).toBe(true)
    }
    expect(factory.create(ObjectModel.type)).toBeInstanceOf(ObjectModel)
    expect(factory.create('echodb.org/model/counter')).toBeInstanceOf(CounterModel)
  })

  test('registering twice, a malformed URL or a malformed type is an error', () => {
    const factory = new ModelFactory()
    factory.register(objectLike('example.com/thing'))
    expect(() => factory.register(objectLike('example.com/thing'))).toThrow(expect.objectContaining({ code: 'DUPLICATE_MODEL' }))
    expect(() => factory.register({ ...objectLike('example.com/other'), url: 'not a url' }))
      .toThrow(expect.objectContaining({ code: 'INVALID_TYPE_URL' }))
    expect(() => factory.register({ ...objectLike('example.com/other'), version: 0 }))
      .toThrow(expect.objectContaining({ code: 'INVALID_MODEL_TYPE' }))
    expect(() => factory.register({ ...objectLike('example.com/other'), reads: [2] }))
      .toThrow(expect.objectContaining({ code: 'INVALID_MODEL_TYPE' }))
    expect(() => factory.register({ ...objectLike('example.com/other'), mutationCodec: undefined as never }))
      .toThrow(expect.objectContaining({ code: 'INVALID_MODEL_TYPE' }))
    expect(() => objectLike('bad url')).toThrow(expect.objectContaining({ code: 'INVALID_TYPE_URL' }))
    expect(() => objectLike('example.com/x', 2, [1])).toThrow(expect.objectContaining({ code: 'INVALID_MODEL_TYPE' }))
    expect(factory.types.map((t) => t.url)).toEqual(['example.com/thing'])
  })

  test('create refuses unknown types, unreadable versions and impostor type objects', () => {
    const factory = new ModelFactory().register(objectLike('example.com/thing', 2, [1, 2]))
    expect(() => factory.create('example.com/none')).toThrow(expect.objectContaining({ code: 'UNKNOWN_MODEL' }))
    expect(() => factory.create('example.com/thing', { version: 3 })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }))
    expect(factory.create('example.com/thing', { version: 1 }).version).toBe(1)
    expect(factory.create('example.com/thing').version).toBe(2)
    expect(() => factory.create(objectLike('example.com/thing'))).toThrow(expect.objectContaining({ code: 'UNKNOWN_MODEL' }))
    expect(factory.resolve('example.com/thing', 3)).toMatchObject({ ok: false, reason: 'UNSUPPORTED_VERSION' })
    expect(factory.resolve('example.com/none')).toMatchObject({ ok: false, reason: 'UNKNOWN_MODEL' })
    expect(factory.resolve('example.com/thing', 1)).toMatchObject({ ok: true })
  })

  test('open gives a dormant model until the type is registered; listeners hear of registration', () => {
    const factory = new ModelFactory()
    const heard: string[] = []
    const stop = factory.onRegister((type) => heard.push(type.url))
    factory.onRegister(() => { throw new Error('a failing listener does not undo the registration') })
    const dormant = factory.open('example.com/thing', 1)
    expect(dormant).toBeInstanceOf(DormantModel)
    expect(dormant).toMatchObject({ reason: 'UNKNOWN_MODEL', typeUrl: 'example.com/thing', version: 1 })
    const mutation = ObjectModel.encodeProps({ title: 'Heat 1' })
    dormant.processEncoded(mutation, testMeta(0, 0, 0, 0))
    expect(() => factory.revive(dormant as DormantModel)).toThrow(expect.objectContaining({ code: 'UNKNOWN_MODEL' }))

    factory.register(objectLike('example.com/thing'))
    expect(heard).toEqual(['example.com/thing'])
    const { model, rejected } = factory.revive(dormant as DormantModel)
    expect(rejected).toEqual([])
    expect((model as ObjectModel).get('title')).toBe('Heat 1')
    expect(factory.open('example.com/thing', 1)).toBeInstanceOf(ObjectModel)
    expect(factory.open('example.com/thing', 2)).toMatchObject({ reason: 'UNSUPPORTED_VERSION' })
    stop()
    factory.register(objectLike('example.com/other'))
    expect(heard).toEqual(['example.com/thing'])
  })

  test('a model created with a writer writes through it', async () => {
    const factory = createModelFactory()
    const written: Uint8Array[] = []
    const model = factory.create(ObjectModel.type, { writer: async (m) => { written.push(m) } })
    await model.set('a', 1)
    expect(written).toHaveLength(1)
    expect(model.readOnly).toBe(false)
  })
})
