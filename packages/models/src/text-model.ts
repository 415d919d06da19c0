import { protobufCodec } from '@echodb/feed-store'
import { echo } from '@echodb/proto'
import debug from 'debug'
import type * as YTypes from 'yjs' with { 'resolution-mode': 'import' }
import { ModelError } from './errors'
import { defineModelType, Model, type ModelContext, type ModelType } from './model'
import type { MutationMeta } from './order'
import { unsafeIntegerIn } from './yjs-update-check'

// yjs ships ES-module typings with a CommonJS build: take the types from the former, the code from the latter.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Y = require('yjs') as typeof YTypes

const log = debug('echo:models:text-model')

type TextMutation = echo.models.ITextMutation
type TextSnapshot = echo.models.ITextSnapshot

/** The name of the Y.Text inside each item's document. */
export const TEXT_NAME = 'text'

const EMPTY_BYTES = new Uint8Array(0)

/**
 * The yjs client id a feed writes as: the first 53 bits of its key, big-endian (the top three bits of byte 0
 * dropped; 53 bits is what a JS number holds exactly). yjs names every edit (client id, clock), and a second
 * author of the same (client, clock) loses or wins depending on which a replica sees first. Binding the client
 * id to the feed by a pure function makes acceptance independent of arrival order: all structs of one client id
 * come from one feed, and every replica processes a feed's mutations in the same (feed) order.
 */
export function textClientId (feedKey: Uint8Array): number {
  return (feedKey[0] & 0x1f) * 2 ** 48 + feedKey[1] * 2 ** 40 + feedKey[2] * 2 ** 32 +
    feedKey[3] * 2 ** 24 + feedKey[4] * 2 ** 16 + feedKey[5] * 2 ** 8 + feedKey[6]
}

const FEED_KEY_LENGTH = 32

/** The client id of documents between local edits: outside textClientId's range, so no accepted struct has it. */
const NO_CLIENT = 2 ** 53

/** A document that is never edited as any feed's client. */
function newDoc (): YTypes.Doc {
  const doc = new Y.Doc()
  doc.clientID = NO_CLIENT
  return doc
}

function isFeedKey (key: unknown): key is Uint8Array {
  return key instanceof Uint8Array && key.length === FEED_KEY_LENGTH
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/**
 * Collaborative plain text on a yjs document (one Y.Doc per item): concurrent inserts and deletes merge without
 * loss. A mutation carries the yjs update the author's edit produced; the snapshot is the encoded document.
 *
 * The processed document changes only through `process`/`restore`, so `text` shows what the feeds hold. Local
 * edits are made on a working copy (the processed document plus this replica's own edits still in flight), so
 * positions given to `insert`/`delete` count your pending edits too; that copy is made on the first local edit and
 * then kept up to date alongside the processed document.
 *
 * Authorship: a mutation from feed F may only carry yjs structs of client `textClientId(F)`; any other is refused
 * whole (INVALID_MUTATION). Delete sets may name any client (deleting another author's text is the point of
 * them; deletion is a set union, so it does not depend on order). Local edits are made as `textClientId` of
 * `context.feedKey`, the feed the writer appends to: a TextModel with a writer but without a feed key cannot
 * write (READ_ONLY).
 */
export class TextModel extends Model<TextMutation, TextSnapshot, string> {
  static readonly type: ModelType<TextModel> = defineModelType<TextModel>({
    url: 'echodb.org/model/text',
    version: 1,
    mutationCodec: protobufCodec<TextMutation>(echo.models.TextMutation),
    snapshotCodec: protobufCodec<TextSnapshot>(echo.models.TextSnapshot),
    create: (type, context) => new TextModel(type, context)
  })

  // Both allocated lazily: a Y.Doc is a few kilobytes.
  private doc: YTypes.Doc | undefined = undefined
  private working: YTypes.Doc | undefined = undefined
  /** The yjs client id of local edits: textClientId(context.feedKey), if one was given. */
  private readonly client: number | undefined

  constructor (type: ModelType<TextModel> = TextModel.type, context: ModelContext = {}) {
    super(type, context)
    const feedKey = context.feedKey
    if (feedKey !== undefined && !isFeedKey(feedKey)) {
      throw new ModelError('INVALID_ARGUMENT', `model ${type.url}: context.feedKey must be a ${FEED_KEY_LENGTH}-byte feed key`)
    }
    this.client = feedKey === undefined ? undefined : textClientId(feedKey)
  }

  /** True without a writer, and also without `context.feedKey` (edits could not name their author). */
  override get readOnly (): boolean {
    return super.readOnly || this.client === undefined
  }

  /** The processed text. */
  get text (): string {
    return this.doc?.getText(TEXT_NAME).toString() ?? ''
  }

  get state (): string {
    return this.text
  }

  get length (): number {
    return this.doc?.getText(TEXT_NAME).length ?? 0
  }

  override toString (): string {
    return this.text
  }

  /** Inserts `text` at `index` (0 .. length, counting this replica's pending edits). */
  async insert (index: number, text: string): Promise<void> {
    if (typeof text !== 'string') throw new ModelError('INVALID_ARGUMENT', 'insert needs a string')
    if (text.length === 0) return
    return await this.edit((y) => {
      checkRange(index, 0, y.length)
      y.insert(index, text)
    })
  }

  /** Deletes `length` characters from `index`. */
  async delete (index: number, length: number): Promise<void> {
    if (length === 0) return
    return await this.edit((y) => {
      checkRange(index, 0, y.length)
      checkRange(length, 1, y.length - index)
      y.delete(index, length)
    })
  }

  /**
   * Runs `change` on the working Y.Text in one transaction and writes everything it did as one mutation
   * (nothing is written when it changed nothing). The Y.Text must not be kept beyond the call.
   */
  async edit (change: (text: YTypes.Text) => void): Promise<void> {
    const client = this.client
    if (super.readOnly) throw new ModelError('READ_ONLY', `model ${this.type.url} has no writer: it is read-only`)
    if (client === undefined) {
      throw new ModelError('READ_ONLY', `model ${this.type.url} has a writer but no context.feedKey: its edits could not name their author`)
    }
    const working = this.working ??= this.fork()
    const updates: Uint8Array[] = []
    const collect = (update: Uint8Array): void => { updates.push(update) }
    working.on('update', collect)
    // The working copy has this feed's client id only while it is edited (the update is emitted within
    // transact): yjs gives a document a new random id, with a console warning, when a processed update carries
    // structs of its current id that it did not make (this feed's edits from another instance).
    working.clientID = client
    try {
      working.transact(() => change(working.getText(TEXT_NAME)))
    } catch (err) {
      // A change that failed half-way leaves edits that will never be written: drop the working copy.
      if (updates.length > 0 && this.working === working) this.working = undefined
      throw err
    } finally {
      working.clientID = NO_CLIENT
      working.off('update', collect)
    }
    if (updates.length === 0) return
    const update = updates.length === 1 ? updates[0] : Y.mergeUpdates(updates)
    try {
      await this.write({ update })
    } catch (err) {
      // The working copy holds an edit that may never reach the feed: start again from the processed document.
      if (this.working === working) this.working = undefined
      throw err
    }
  }

  protected apply (mutation: TextMutation, meta: MutationMeta): boolean {
    const update = mutation.update ?? EMPTY_BYTES
    if (update.length === 0) throw refuse('text mutation without an update')
    const feedKey = meta.feedKey
    if (!isFeedKey(feedKey)) throw refuse(`text mutation with a feed key of ${String((feedKey as { length?: number } | undefined)?.length)} bytes, not ${FEED_KEY_LENGTH}`)
    // yjs applies a struct section before reading the delete section, so a malformed update could half-apply:
    // parse it completely first.
    let decoded: ReturnType<typeof Y.decodeUpdate>
    try {
      decoded = Y.decodeUpdate(update)
    } catch (err) {
      throw refuse(`text mutation is not a yjs update (${(err as Error).message})`, err)
    }
    const unsafe = unsafeIntegerIn(decoded)
    if (unsafe !== undefined) throw refuse(`text mutation is not a valid yjs update (${unsafe})`)
    const structs = decoded.structs
    const client = textClientId(feedKey)
    for (let i = 0; i < structs.length; i++) {
      const id = structs[i].id
      if (id.client !== client) {
        throw refuse(`text mutation from feed ${hex(feedKey)} carries yjs client ${id.client} (clock ${id.clock}): that feed writes as client ${client} only`)
      }
    }
    const doc = this.doc ??= newDoc()
    try {
      Y.applyUpdate(doc, update)
    } catch (err) {
      // An update that decodes but names structs inconsistently with the document (a forged or corrupted one).
      // yjs throws before integrating it; models.fuzz.test.ts checks that the document is left as it was.
      throw refuse(`text mutation does not apply to the document (${(err as Error).message})`, err)
    }
    if (this.working !== undefined) {
      try {
        Y.applyUpdate(this.working, update)
      } catch (err) {
        // The processed document took it; the working copy is rebuilt from it on the next local edit.
        log('working copy refused a processed update, dropping it: %s', (err as Error).message)
        this.working = undefined
      }
    }
    return true
  }

  protected takeSnapshot (): TextSnapshot {
    return { state: this.doc === undefined ? EMPTY_BYTES : Y.encodeStateAsUpdate(this.doc) }
  }

  protected loadSnapshot (snapshot: TextSnapshot): void {
    const state = snapshot.state ?? EMPTY_BYTES
    let doc: YTypes.Doc | undefined
    if (state.length > 0) {
      doc = newDoc()
      try {
        const unsafe = unsafeIntegerIn(Y.decodeUpdate(state))
        if (unsafe !== undefined) throw new Error(unsafe)
        Y.applyUpdate(doc, state)
        // What is loaded must snapshot again (yjs re-encodes pending structs only here).
        Y.encodeStateAsUpdate(doc)
      } catch (err) {
        throw new ModelError('INVALID_SNAPSHOT', `text snapshot is not a yjs document (${(err as Error).message})`, { cause: err })
      }
    }
    this.doc = doc
    if (this.working !== undefined) log('restore drops the working copy of %s', this.type.url)
    this.working = undefined
  }

  /** A copy of the processed document, for local edits (`edit` sets its client id). */
  private fork (): YTypes.Doc {
    const copy = newDoc()
    if (this.doc !== undefined) Y.applyUpdate(copy, Y.encodeStateAsUpdate(this.doc))
    return copy
  }
}

function refuse (why: string, cause?: unknown): ModelError {
  log('refused a mutation: %s', why)
  return new ModelError('INVALID_MUTATION', why, cause === undefined ? undefined : { cause })
}

function checkRange (value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ModelError('INVALID_ARGUMENT', `text position ${String(value)} out of range ${min}..${max}`)
  }
}
