#!/usr/bin/env node
// Launcher for the Tollgate CLI (client/cli.ts): registers tsx so the TypeScript runs as is.
// `evaluate-code` is the emulator's EvaluateCode and `doctor` the operator's check (admin/doctor),
// both kept apart so the client CLI stays light.
import { register } from 'tsx/esm/api';

register();
if (process.argv[2] === 'evaluate-code') {
  await import('../emulator/appsync-js/evaluate-code-cli.ts');
} else if (process.argv[2] === 'doctor') {
  const { run } = await import('../admin/doctor/index.ts');
  run(process.argv.slice(3));
} else {
  await import('../client/cli.ts');
}
