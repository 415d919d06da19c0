import { protobufCodec } from '@echodb/feed-store'
import { echo } from '@echodb/proto'
import {
  compareOrder, decodeOrderStamp, defineModelType, encodeOrderStamp, Model,
  type ModelContext, type ModelType, type MutationMeta, type OrderStamp
} from '../index'

type Mutation = echo.models.IPriorityRegisterMutation
type Snapshot = echo.models.IPriorityRegisterSnapshot

/** Each desk's priority, by identity key (hex). Writers not listed have priority 0. */
export type DeskPriorities = ReadonlyMap<string, number>

/**
 * A register (one string value) resolved by writer priority: a write from a higher-priority desk beats one from
 * a lower-priority desk whatever their order; between equal priorities the later order stamp wins. Think of a live
 * sports meet run from several desks: the photo-finish desk's result stands over the stadium announcer's.
 * Every peer must define the type with the same priorities.
 */
export class PriorityRegister extends Model<Mutation, Snapshot, string | undefined> {
  private current: { value: string, priority: number, order: OrderStamp } | undefined

  constructor (type: ModelType<PriorityRegister>, context: ModelContext, private readonly priorities: DeskPriorities) {
    super(type, context)
  }

  get value (): string | undefined {
    return this.current?.value
  }

  get state (): string | undefined {
    return this.value
  }

  /** Writes a value; resolves once it has been processed locally (it may lose to a higher desk). */
  async set (value: string): Promise<void> {
    return await this.write({ value })
  }

  protected apply (mutation: Mutation, meta: MutationMeta): boolean {
    const priority = this.priorities.get(Buffer.from(meta.identityKey).toString('hex')) ?? 0
    const current = this.current
    if (current !== undefined) {
      const wins = priority !== current.priority ? priority > current.priority : compareOrder(meta.order, current.order) > 0
      if (!wins) return false
    }
    this.current = { value: mutation.value ?? '', priority, order: meta.order }
    return true
  }

  protected takeSnapshot (): Snapshot {
    const current = this.current
    if (current === undefined) return { hasValue: false }
    return { hasValue: true, value: current.value, priority: current.priority, order: encodeOrderStamp(current.order) }
  }

  protected loadSnapshot (snapshot: Snapshot): void {
    if (snapshot.hasValue !== true) {
      this.current = undefined
      return
    }
    this.current = {
      value: snapshot.value ?? '',
      priority: snapshot.priority ?? 0,
      order: decodeOrderStamp(snapshot.order, 'INVALID_SNAPSHOT')
    }
  }
}

/** The register's model type, for one meet's desks. */
export function priorityRegisterType (url: string, priorities: DeskPriorities): ModelType<PriorityRegister> {
  return defineModelType<PriorityRegister>({
    url,
    mutationCodec: protobufCodec<Mutation>(echo.models.PriorityRegisterMutation),
    snapshotCodec: protobufCodec<Snapshot>(echo.models.PriorityRegisterSnapshot),
    create: (type, context) => new PriorityRegister(type, context, priorities)
  })
}
