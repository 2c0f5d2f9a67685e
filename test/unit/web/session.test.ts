import t from 'tap'
import { signInIfSignedOut, type HeadFetch } from '../../../web/src/session.js'

const answering = (status: number): HeadFetch => async () => ({ status })

t.test('a 401 sends the page to the sign-in page', async (t) => {
  const went: string[] = []
  t.equal(await signInIfSignedOut(answering(401), (path) => went.push(path)), true)
  t.same(went, ['/login'])
})

t.test('any other answer leaves the page where it is', async (t) => {
  for (const status of [200, 404, 503]) {
    const went: string[] = []
    t.equal(await signInIfSignedOut(answering(status), (path) => went.push(path)), false, `status ${status}`)
    t.same(went, [])
  }
})

t.test('an unreachable server leaves the page where it is', async (t) => {
  const went: string[] = []
  const failing: HeadFetch = async () => { throw new TypeError('fetch failed') }
  t.equal(await signInIfSignedOut(failing, (path) => went.push(path)), false)
  t.same(went, [])
})

t.test('it asks with HEAD, so the answer carries no data', async (t) => {
  const asked: Array<[string, string]> = []
  await signInIfSignedOut(async (url, init) => { asked.push([url, init.method]); return { status: 200 } }, () => {})
  t.same(asked, [['/api/metrics', 'HEAD']])
})
