// Copies what npm shows and the licence texts into pkg/ (git keeps them at
// the top level only). Run by scripts/build.mjs and by pkg's `prepack`, so a
// tarball never carries a README older than the checkout.
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PACKAGE_DOCS = ['README.md', 'LICENSE-MIT', 'LICENSE-APACHE'];

export function copyPackageDocs() {
  for (const file of PACKAGE_DOCS) copyFileSync(join(root, file), join(root, 'pkg', file));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) copyPackageDocs();
