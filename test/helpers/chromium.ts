// Kept apart from browser.ts, which loads tap: the browser benchmark runs Chromium the same way without it.

/** The system Chromium; tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/** Flags for a quiet, reproducible headless run (the browser benchmark uses them too). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]
