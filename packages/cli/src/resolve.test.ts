import { matchPrefix } from './resolve'

const candidates = ['ab12', 'ab34', 'cd56'].map((id) => ({ id, value: id.toUpperCase() }))

test('a unique prefix, in any case, names its candidate', () => {
  expect(matchPrefix('item', 'ab1', candidates, 'here')).toBe('AB12')
  expect(matchPrefix('item', 'C', candidates, 'here')).toBe('CD56')
  expect(matchPrefix('item', 'cd56', candidates, 'here')).toBe('CD56')
})

test('ambiguous, unknown and malformed references are refused with their reason', () => {
  expect(() => matchPrefix('item', 'ab', candidates, 'here')).toThrow(expect.objectContaining({
    code: 'AMBIGUOUS_ID', message: expect.stringMatching(/ab is ambiguous: it starts ab12, ab34/)
  }))
  expect(() => matchPrefix('party', 'ef', candidates, 'in this profile')).toThrow(expect.objectContaining({
    code: 'UNKNOWN_PARTY', message: 'no party ef in this profile'
  }))
  expect(() => matchPrefix('item', 'xyz', candidates, 'here')).toThrow(expect.objectContaining({ code: 'INVALID_ID' }))
  expect(() => matchPrefix('item', '', candidates, 'here')).toThrow(expect.objectContaining({ code: 'INVALID_ID' }))
})
