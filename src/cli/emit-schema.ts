import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { printSortedSchema } from '../server/graphql/build-schema';

/** Writes schema/schema.graphql from the code-first schema. */
const target = path.resolve(__dirname, '../../../schema/schema.graphql');
writeFileSync(target, printSortedSchema());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
