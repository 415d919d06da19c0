/**
 * Base of every error ECHO throws on purpose. `code` is stable and machine-readable (e.g. 'MESSAGE_TOO_LARGE');
 * the message names the bad input. Packages subclass it; callers can branch on `instanceof` or on `code`.
 */
export class EchoError extends Error {
  readonly code: string

  constructor (code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}
