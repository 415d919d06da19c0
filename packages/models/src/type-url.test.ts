import fc from 'fast-check'
import { assertTypeUrl, isValidTypeUrl } from './type-url'

describe('model type URLs', () => {
  test.each([
    'echodb.org/model/object',
    'example.com/sports/result',
    'a-b.example.co.uk/x',
    'example.com/Model_v2/x.y~z-1'
  ])('accepts %s', (url) => {
    expect(isValidTypeUrl(url)).toBe(true)
    expect(() => assertTypeUrl(url)).not.toThrow()
  })

  test.each([
    '', 'object', 'example.com', 'example.com/', 'example/model', 'https://example.com/model', 'Example.com/model',
    'example.com//model', 'example.com/model/', 'example.com/a b', 'example.com/model?x=1', '-example.com/model',
    'example-.com/model', 'example..com/model', 'example.com/./model', 'example.com/../model', `example.com/${'x'.repeat(250)}`
  ])('refuses %j', (url) => {
    expect(isValidTypeUrl(url)).toBe(false)
    expect(() => assertTypeUrl(url)).toThrow(expect.objectContaining({ code: 'INVALID_TYPE_URL' }))
  })

  test('refuses non-strings', () => {
    for (const url of [undefined, null, 42, {}, ['example.com/x']]) expect(isValidTypeUrl(url)).toBe(false)
  })

  test('property: a valid URL never contains whitespace, a scheme or an empty segment', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (url) => {
      if (!isValidTypeUrl(url)) return
      expect(url).not.toMatch(/\s|:|\/\/|\/$/)
      expect(url.indexOf('/')).toBeGreaterThan(2)
    }), { numRuns: 500 })
  })
})
