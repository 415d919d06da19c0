import { EchoError } from '@echodb/feed-store'

/**
 * Stable codes of the errors this package throws on purpose:
 * - `INVALID_TYPE_URL`: a model type URL that does not have the `<domain>/<path>` form.
 * - `INVALID_MODEL_TYPE`: a model type whose version, readable versions or codecs are malformed.
 * - `DUPLICATE_MODEL`: a type URL registered twice in one ModelFactory.
 * - `UNKNOWN_MODEL`: no model type is registered under that URL.
 * - `UNSUPPORTED_VERSION`: the registered type cannot read the item's model version.
 * - `INVALID_MUTATION`: mutation bytes that do not decode, or decode to something the model refuses.
 * - `INVALID_SNAPSHOT`: snapshot bytes that do not decode or are inconsistent.
 * - `PROCESS_FAILED`: a model's own code threw while processing (a bug in that model).
 * - `READ_ONLY`: a write on a model that was created without a writer.
 * - `INVALID_ARGUMENT`: an app passed a value a model cannot write (bad path, NaN, undefined, ...).
 */
export type ModelErrorCode =
  | 'INVALID_TYPE_URL'
  | 'INVALID_MODEL_TYPE'
  | 'DUPLICATE_MODEL'
  | 'UNKNOWN_MODEL'
  | 'UNSUPPORTED_VERSION'
  | 'INVALID_MUTATION'
  | 'INVALID_SNAPSHOT'
  | 'PROCESS_FAILED'
  | 'READ_ONLY'
  | 'INVALID_ARGUMENT'

/** Every error @echodb/models throws on purpose. */
export class ModelError extends EchoError {
  declare readonly code: ModelErrorCode

  constructor (code: ModelErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}
