#!/usr/bin/env node
// crossdeploy is written in TypeScript and runs from source: tsx compiles it on the fly, so
// `npx crossdeploy` works right after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
