// Loads the tests' TypeScript through tsx (esbuild) instead of tap's default ts-node, which
// spends about a second of CPU per test file loading the TypeScript compiler. `--import=tsx`
// itself registers only on the main thread on Node 20, so the read pool's worker threads could
// not load server/log/read-worker.ts; registering from a preload that every thread runs (Node
// gives workers the parent's --import) covers them too. Node 22 and later give workers the
// main thread's hooks, so there this preload would register a second time: use `--import=tsx`.
import { register } from 'tsx/esm/api'

register()
