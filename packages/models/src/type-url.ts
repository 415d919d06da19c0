import { ModelError } from './errors'

// <domain>/<path>: a DNS name of two or more lowercase labels, then one or more path segments.
const TYPE_URL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+(?:\/[A-Za-z0-9._~-]+)+$/
const MAX_LENGTH = 256

/**
 * True when `url` names a model type: `<domain>/<path>` with a lowercase DNS name of at least two labels and
 * one or more non-empty path segments of `[A-Za-z0-9._~-]`, e.g. `echodb.org/model/object` or
 * `example.com/sports/result`. No scheme, no query, at most 256 characters.
 */
export function isValidTypeUrl (url: unknown): url is string {
  if (typeof url !== 'string' || url.length > MAX_LENGTH || !TYPE_URL.test(url)) return false
  // "." and ".." segments would make two spellings of one URL.
  return url.split('/').slice(1).every((segment) => segment !== '.' && segment !== '..')
}

/** Throws ModelError INVALID_TYPE_URL naming the URL unless it is valid. */
export function assertTypeUrl (url: unknown): asserts url is string {
  if (!isValidTypeUrl(url)) {
    throw new ModelError('INVALID_TYPE_URL', `invalid model type URL ${JSON.stringify(url)}: expected <domain>/<path>, e.g. example.com/model/thing`)
  }
}
