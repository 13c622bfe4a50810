#!/usr/bin/env node
// The CLI is TypeScript run through tsx, like the api and the worker: register its loader, then
// load the entry point.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
