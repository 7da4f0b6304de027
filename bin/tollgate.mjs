#!/usr/bin/env node
// Launcher for the Tollgate CLI (client/cli.ts): registers tsx so the TypeScript runs as is.
import { register } from 'tsx/esm/api';

register();
await import('../client/cli.ts');
