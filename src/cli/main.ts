import { runCli } from './commands.ts';

const code = await runCli(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
});
if (code !== 'running') process.exitCode = code;
