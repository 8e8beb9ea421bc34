/** `npm run schema`: writes docs/spec.schema.json from the spec's zod schema (a unit test keeps it current). */
import fs from 'node:fs';
import path from 'node:path';
import { specJsonSchema } from '../src/planner/spec';

const target = path.resolve(__dirname, '..', 'docs', 'spec.schema.json');
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, `${JSON.stringify(specJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), target)}`);
