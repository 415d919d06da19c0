import { protobufCodec } from '@echodb/feed-store'
import { echo } from '@echodb/proto'
import debug from 'debug'
import type * as YTypes from 'yjs' with { 'resolution-mode': 'import' }
import { ModelError } from './errors'
import { defineModelType, Model, type ModelContext, type ModelType } from './model'
import type { MutationMeta } from './order'

// yjs ships ES-module typings with a CommonJS build: take the types from the former, the code from the latter.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Y = require('yjs') as typeof YTypes

const log = debug('echo:models:text')

type TextMutation = echo.models.ITextMutation
type TextSnapshot = echo.models.ITextSnapshot

/** The name of the Y.Text inside each item's document. */
export const TEXT_NAME = 'text'

const EMPTY_BYTES = new Uint8Array(0)

/**
 * Collaborative plain text on a yjs document (one Y.Doc per item): concurrent inserts and deletes merge without
 * loss. A mutation carries the yjs update the author's edit produced; the snapshot is the encoded document.
 *
 * The processed document changes only through `process`/`restore`, so `text` shows what the feeds hold. Local
 * edits are made on a working copy (the processed document plus this replica's own edits still in flight), so
 * positions given to `insert`/`delete` count your pending edits too; that copy is made on the first local edit and
 * then kept up to date alongside the processed document.
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

  constructor (type: ModelType<TextModel> = TextModel.type, context: ModelContext = {}) {
    super(type, context)
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
    if (this.readOnly) throw new ModelError('READ_ONLY', `model ${this.type.url} has no writer: it is read-only`)
    const working = this.working ??= this.fork()
    const updates: Uint8Array[] = []
    const collect = (update: Uint8Array): void => { updates.push(update) }
    working.on('update', collect)
    try {
      working.transact(() => change(working.getText(TEXT_NAME)))
    } catch (err) {
      // A change that failed half-way leaves edits that will never be written: drop the working copy.
      if (updates.length > 0 && this.working === working) this.working = undefined
      throw err
    } finally {
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

  protected apply (mutation: TextMutation, _meta: MutationMeta): boolean {
    const update = mutation.update ?? EMPTY_BYTES
    if (update.length === 0) throw new ModelError('INVALID_MUTATION', 'text mutation without an update')
    // yjs applies a struct section before reading the delete section, so a malformed update could half-apply:
    // parse it completely first.
    try {
      Y.decodeUpdate(update)
    } catch (err) {
      throw new ModelError('INVALID_MUTATION', `text mutation is not a yjs update (${(err as Error).message})`, { cause: err })
    }
    const doc = this.doc ??= new Y.Doc()
    try {
      Y.applyUpdate(doc, update)
    } catch (err) {
      // An update that decodes but names structs inconsistently with the document (a forged or corrupted one).
      // yjs throws before integrating it; models.fuzz.test.ts checks that the document is left as it was.
      throw new ModelError('INVALID_MUTATION', `text mutation does not apply to the document (${(err as Error).message})`, { cause: err })
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
      doc = new Y.Doc()
      try {
        Y.applyUpdate(doc, state)
      } catch (err) {
        throw new ModelError('INVALID_SNAPSHOT', `text snapshot is not a yjs document (${(err as Error).message})`, { cause: err })
      }
    }
    this.doc = doc
    if (this.working !== undefined) log('restore drops the working copy of %s', this.type.url)
    this.working = undefined
  }

  /** A copy of the processed document with its own client id, for local edits. */
  private fork (): YTypes.Doc {
    const copy = new Y.Doc()
    if (this.doc !== undefined) Y.applyUpdate(copy, Y.encodeStateAsUpdate(this.doc))
    return copy
  }
}

function checkRange (value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ModelError('INVALID_ARGUMENT', `text position ${String(value)} out of range ${min}..${max}`)
  }
}
