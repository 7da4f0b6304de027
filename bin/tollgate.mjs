#!/usr/bin/env node
// Launcher for the Tollgate CLI (client/cli.ts): registers tsx so the TypeScript runs as is.
// `tollgate doctor` is the operator's check (admin/doctor), not part of the client package.
import { register } from 'tsx/esm/api';

register();
if (process.argv[2] === 'doctor') {
  const { run } = await import('../admin/doctor/index.ts');
  run(process.argv.slice(3));
} else {
  await import('../client/cli.ts');
}
