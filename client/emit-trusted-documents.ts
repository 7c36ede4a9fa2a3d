import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestJson } from './trusted-documents-manifest';

// Run by `npm run build` (from dist/client/); writes the manifest next to the kit's sources.
const target = join(__dirname, '..', '..', 'client', 'trusted-documents.json');
writeFileSync(target, manifestJson());
