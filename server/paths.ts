import fs from 'node:fs';
import path from 'node:path';

/**
 * The project's folder, found from this file whether it runs as TypeScript (server/) or as
 * compiled JavaScript (dist/server/): data files (divisions, demo, persisted documents) and
 * `.data/` stay in the source tree, so a build reads the same files as `npm start`.
 */
function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'server', 'reference'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`cannot find the project folder above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(__dirname);

/** A path inside the project folder. */
export const projectPath = (...parts: string[]) => path.join(PROJECT_ROOT, ...parts);
