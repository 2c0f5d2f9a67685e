import type { ApiError } from '../../server/core/event.js'
import { byId, setText } from './dom.js'
import { applyTheme, onSystemThemeChange } from './theme.js'

/**
 * The sign-in page (login.html). Without this script the form still works: the
 * server answers a good token with 303 to the dashboard. With it, a refusal is
 * shown on the page, as text, instead of as a JSON document.
 */

// The dashboard's theme: the one picked there, or else the system's.
applyTheme()
onSystemThemeChange(applyTheme)

const form = byId('login-form', HTMLFormElement)
const input = byId('token', HTMLInputElement)
const submit = byId('login-submit', HTMLButtonElement)
const error = byId('login-error', HTMLElement)

function showError (message: string): void {
  setText(error, message)
  error.hidden = false
}

/** What to tell the person about a refused sign-in; the server's message when it sent one. */
async function refusal (response: Response): Promise<string> {
  if (response.status === 401) return 'That token is not valid.'
  try {
    const body = await response.json() as Partial<ApiError>
    if (typeof body.message === 'string') return body.message
  } catch {
    // Not our JSON (a proxy's error page, say): fall back to the status below.
  }
  return `Sign-in failed (HTTP ${response.status}).`
}

async function signIn (): Promise<void> {
  submit.disabled = true
  error.hidden = true
  try {
    // Manual: the 303 is the success signal, and following it would fetch the whole dashboard for nothing.
    const response = await fetch(form.action, { method: 'POST', body: new URLSearchParams({ token: input.value }), redirect: 'manual' })
    if (response.type === 'opaqueredirect') {
      location.assign('/')
      return
    }
    showError(await refusal(response))
  } finally {
    submit.disabled = false
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault()
  signIn().catch(() => { showError('The server cannot be reached.') })
})
