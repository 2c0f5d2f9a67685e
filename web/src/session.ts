/** The part of `fetch` this module uses. */
export type HeadFetch = (url: string, init: { method: 'HEAD' }) => Promise<{ readonly status: number }>

/** Where the sign-in page is, and a read API that answers 401 without a valid session. */
const LOGIN_PATH = '/login'
const PROBE_PATH = '/api/metrics'

/**
 * Asks the server whether this page may still read, and sends it to the sign-in
 * page when not. EventSource gives up on a 401 without saying why, so a stream
 * that went offline is the moment to ask: with READ_TOKEN set, the session
 * cookie may have expired or its token been rotated away.
 * @returns whether the page is being sent to sign in
 */
export async function signInIfSignedOut (fetcher: HeadFetch, go: (path: string) => void): Promise<boolean> {
  try {
    const { status } = await fetcher(PROBE_PATH, { method: 'HEAD' })
    if (status !== 401) return false
  } catch {
    // The server is unreachable: the status badge says so, and there is nobody to sign in to.
    return false
  }
  go(LOGIN_PATH)
  return true
}
