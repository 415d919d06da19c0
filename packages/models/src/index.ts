// Public API of @echodb/models: the Model API, ModelFactory, dormant items and the built-in models.
export { ModelError, type ModelErrorCode } from './errors'
export { compareOrder, isOrderStamp, type MutationMeta, type OrderStamp } from './order'
export { isValidTypeUrl, assertTypeUrl } from './type-url'
export { encodeStamp as encodeOrderStamp, decodeStamp as decodeOrderStamp } from './stamp-codec'
export {
  Model, defineModelType, checkModelType, canReadVersion,
  type AnyModel, type EncodedModel, type ModelContext, type ModelListener, type ModelType, type ModelTypeSpec,
  type ModelWriter, type MutationOf, type SnapshotOf
} from './model'
export { ModelFactory, type ModelAvailability, type RegisterListener } from './model-factory'
export {
  DormantModel, type DormantReason, type HeldMutation, type RejectedMutation, type RevivedModel
} from './dormant-model'
export { Reference, isPropertyObject, valuesEqual, type PropertyObject, type PropertyValue } from './value'
export { ObjectModel, parsePath, MAX_PATH_LENGTH, type ObjectBatch, type Path } from './object-model'
export { CounterModel } from './counter-model'
export { MessengerModel, type ChatMessage } from './messenger-model'
export { TextModel, TEXT_NAME, textClientId } from './text-model'
export { builtInModelTypes, createModelFactory } from './built-ins'
