import { CounterModel } from './counter-model'
import type { ModelType } from './model'
import { ModelFactory } from './model-factory'
import { MessengerModel } from './messenger-model'
import { ObjectModel } from './object-model'
import { TextModel } from './text-model'

/** The model types ECHO ships: object, counter, messenger, text. */
export const builtInModelTypes: ReadonlyArray<ModelType<any>> = Object.freeze([
  ObjectModel.type,
  CounterModel.type,
  MessengerModel.type,
  TextModel.type
])

/** A ModelFactory with the built-in types registered (through `register`, as an app's own types are). */
export function createModelFactory (): ModelFactory {
  const factory = new ModelFactory()
  for (const type of builtInModelTypes) factory.register(type)
  return factory
}
