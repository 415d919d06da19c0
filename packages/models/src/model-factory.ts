import debug from 'debug'
import { DormantModel, type DormantReason, type RevivedModel } from './dormant-model'
import { ModelError } from './errors'
import { canReadVersion, checkModelType, type AnyModel, type ModelContext, type ModelType } from './model'

const log = debug('echo:models:model-factory')

/** Whether an item of a type URL and version can have its model now, and if not, why. */
export type ModelAvailability =
  | { readonly ok: true, readonly type: ModelType<any> }
  | { readonly ok: false, readonly reason: DormantReason, readonly message: string }

export type RegisterListener = (type: ModelType<any>) => void

/**
 * The registry of model types, built-ins and apps' own alike. echo-db asks it for the model of each item: a live
 * model when the type is registered and reads the item's version, else a DormantModel; when a type is registered
 * later, `onRegister` listeners hear of it (echo-db revives its dormant items then).
 */
export class ModelFactory {
  private readonly byUrl = new Map<string, ModelType<any>>()
  private listeners: RegisterListener[] = []

  /**
   * Adds a model type. Throws ModelError INVALID_TYPE_URL / INVALID_MODEL_TYPE for a malformed type and
   * DUPLICATE_MODEL when its URL is taken. Then tells every `onRegister` listener.
   */
  register (type: ModelType<any>): this {
    checkModelType(type)
    if (this.byUrl.has(type.url)) {
      throw new ModelError('DUPLICATE_MODEL', `model type ${type.url} is already registered`)
    }
    this.byUrl.set(type.url, type)
    log('registered %s v%d (reads %o)', type.url, type.version, type.reads)
    for (const listener of this.listeners.slice()) {
      try {
        listener(type)
      } catch (err) {
        // Registration has happened; a listener's failure is its own.
        log('register listener failed for %s: %O', type.url, err)
      }
    }
    return this
  }

  has (url: string): boolean {
    return this.byUrl.has(url)
  }

  get (url: string): ModelType<any> | undefined {
    return this.byUrl.get(url)
  }

  /** Every registered type, in registration order. */
  get types (): Array<ModelType<any>> {
    return [...this.byUrl.values()]
  }

  /** Can an item of `url` at `version` (default: the type's own version) have its model now? */
  resolve (url: string, version?: number): ModelAvailability {
    const type = this.byUrl.get(url)
    if (type === undefined) return { ok: false, reason: 'UNKNOWN_MODEL', message: `model type ${url} is not registered` }
    if (version !== undefined && !canReadVersion(type, version)) {
      return {
        ok: false,
        reason: 'UNSUPPORTED_VERSION',
        message: `model type ${url} reads versions ${type.reads.join(', ')}, not ${version}`
      }
    }
    return { ok: true, type }
  }

  /**
   * A new, empty model of a registered type. Throws ModelError UNKNOWN_MODEL (not registered, or another type
   * object registered under that URL) or UNSUPPORTED_VERSION (`context.version` not readable).
   */
  create<T extends AnyModel> (type: ModelType<T>, context?: ModelContext): T
  create (url: string, context?: ModelContext): AnyModel
  create (typeOrUrl: string | ModelType<any>, context: ModelContext = {}): AnyModel {
    const url = typeof typeOrUrl === 'string' ? typeOrUrl : typeOrUrl.url
    const found = this.resolve(url, context.version)
    if (!found.ok) throw new ModelError(found.reason, found.message)
    if (typeof typeOrUrl !== 'string' && found.type !== typeOrUrl) {
      throw new ModelError('UNKNOWN_MODEL', `another model type is registered under ${url}`)
    }
    return found.type.create(found.type, { ...context, version: context.version ?? found.type.version })
  }

  /** The model of an item: live when its type is registered and reads `version`, else a DormantModel saying why. */
  open (url: string, version: number, context: Omit<ModelContext, 'version'> = {}): AnyModel | DormantModel {
    const found = this.resolve(url, version)
    if (!found.ok) return new DormantModel(url, version, found.reason, found.message)
    return found.type.create(found.type, { ...context, version })
  }

  /** Revives a dormant item with the registered type (see DormantModel.revive); throws while it is still missing. */
  revive (dormant: DormantModel, context: Omit<ModelContext, 'version'> = {}): RevivedModel {
    const found = this.resolve(dormant.typeUrl, dormant.version)
    if (!found.ok) throw new ModelError(found.reason, found.message)
    return dormant.revive(found.type, context)
  }

  /** Calls `listener` after each registration. Returns the function that unsubscribes it. */
  onRegister (listener: RegisterListener): () => void {
    this.listeners.push(listener)
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener)
    }
  }
}
